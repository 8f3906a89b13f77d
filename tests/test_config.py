"""Settings resolution: precedence, presets, custom providers, model routing, key isolation.

Pure in-process tests: real .env and config.toml files under tmp_path, no network.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from llmchat.config import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    PARAM_NAMES,
    CliFlags,
    FileConfig,
    Params,
    Settings,
    build_registry,
    load_dotenv_vars,
    load_file_config,
    merge_env,
    parse_file_config,
    parse_param,
    resolve_settings,
)
from llmchat.errors import EXIT_USAGE, ConfigError, UsageError
from llmchat.providers.presets import PRESETS, preset

REPO = Path(__file__).resolve().parents[1]

OPENAI_KEY = "sk-openai-" + "a" * 30
DEEPSEEK_KEY = "sk-deepseek-" + "b" * 30
DASHSCOPE_KEY = "sk-dashscope-" + "c" * 30

#: Every preset that needs a key, with its variable and its `<PREFIX>_BASE_URL` variable.
KEYED = {
    "openai": ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
    "deepseek": ("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL"),
    "qwen": ("DASHSCOPE_API_KEY", "DASHSCOPE_BASE_URL"),
    "zhipu": ("ZHIPUAI_API_KEY", "ZHIPUAI_BASE_URL"),
    "doubao": ("ARK_API_KEY", "ARK_BASE_URL"),
    "siliconflow": ("SILICONFLOW_API_KEY", "SILICONFLOW_BASE_URL"),
    "yi": ("YI_API_KEY", "YI_BASE_URL"),
    "chatanywhere": ("CHATANYWHERE_API_KEY", "CHATANYWHERE_BASE_URL"),
    "huggingface": ("HF_TOKEN", "HF_BASE_URL"),
}


def resolve(
    vars: Mapping[str, str],
    flags: CliFlags | None = None,
    config: FileConfig | None = None,
) -> Settings:
    return resolve_settings(flags or CliFlags(), dict(vars), config or FileConfig())


def config_from(tmp_path: Path, toml: str) -> FileConfig:
    (tmp_path / "config.toml").write_text(textwrap.dedent(toml), encoding="utf-8")
    return load_file_config(tmp_path)


# --- presets ------------------------------------------------------------------------


def test_the_documented_presets_exist_with_their_key_variables() -> None:
    for name, (key_env, _) in KEYED.items():
        p = preset(name)
        assert p is not None, name
        assert p.key_env == key_env
        assert p.needs_key
        assert not p.local
    for name in ("ollama", "llamacpp", "vllm"):
        p = preset(name)
        assert p is not None
        assert p.key_env is None and not p.needs_key and p.local


def test_preset_endpoints_and_models() -> None:
    def get(name: str):  # type: ignore[no-untyped-def]
        p = preset(name)
        assert p is not None
        return p

    assert get("openai").base_url == "https://api.openai.com/v1"
    assert set(get("deepseek").model_names()) >= {"deepseek-v4-flash", "deepseek-v4-pro"}
    assert get("deepseek").default_model == "deepseek-v4-flash"
    assert "dashscope" in get("qwen").base_url and "compatible-mode" in get("qwen").base_url
    assert set(get("qwen").model_names()) >= {"qwen-turbo", "qwen-plus"}
    assert set(get("zhipu").model_names()) >= {"glm-5.1", "glm-4.7"}
    assert get("moonshot").key_env == "MOONSHOT_API_KEY"
    assert get("openrouter").key_env == "OPENROUTER_API_KEY"
    assert get("ollama").base_url == "http://localhost:11434/v1"
    for p in PRESETS:
        assert p.base_url.startswith(("https://", "http://localhost")), p.name
        assert not p.base_url.endswith("/"), p.name


def test_every_preset_default_model_is_one_it_lists() -> None:
    for p in PRESETS:
        if p.models:
            assert p.default_model in p.model_names(), p.name
        else:
            assert p.local, p.name  # only a local server may leave the model to the user


def test_every_catalog_model_says_where_it_came_from_and_prices_have_a_currency() -> None:
    for p in PRESETS:
        assert p.source.startswith("https://"), p.name
        for m in p.models:
            if p.local:
                assert m.price is not None and m.price.free_local, (p.name, m.name)
                continue
            # An unconfirmed window is None ("unknown"), never a guess.
            assert m.context is None or m.context > 0, (p.name, m.name)
            assert m.checked and m.source.startswith("https://"), (p.name, m.name)
            if m.price is not None:
                assert m.price.currency in ("USD", "CNY"), (p.name, m.name)
                assert m.price.input >= 0 and m.price.output >= 0


def test_preset_names_are_unique() -> None:
    names = [p.name for p in PRESETS]
    assert len(names) == len(set(names))


# --- .env discovery and merging --------------------------------------------------


def test_dotenv_found_in_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OPENAI_API_KEY=sk-from-dotenv-123456\n", encoding="utf-8")
    assert load_dotenv_vars(tmp_path)["OPENAI_API_KEY"] == "sk-from-dotenv-123456"


def test_dotenv_searched_upward_and_the_nearest_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=outer\nB=outer\n", encoding="utf-8")
    middle = tmp_path / "project"
    deep = middle / "src" / "pkg"
    deep.mkdir(parents=True)
    (middle / ".env").write_text("A=inner\n", encoding="utf-8")
    found = load_dotenv_vars(deep)
    assert found["A"] == "inner"
    # Only the nearest file is read, not a merge of all of them.
    assert "B" not in found


def test_dotenv_from_the_process_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text('DEEPSEEK_API_KEY="sk-quoted-abcdef"\n', encoding="utf-8")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert load_dotenv_vars()["DEEPSEEK_API_KEY"] == "sk-quoted-abcdef"


def test_no_dotenv_anywhere_gives_nothing(tmp_path: Path) -> None:
    if any((d / ".env").is_file() for d in tmp_path.parents):
        pytest.skip("a .env exists above the temporary directory")
    assert load_dotenv_vars(tmp_path) == {}


def test_dotenv_never_overrides_a_variable_already_set(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "OPENAI_API_KEY=sk-dotenv-key-000000\nMODEL_NAME=from-dotenv\n", encoding="utf-8"
    )
    merged = merge_env({"OPENAI_API_KEY": OPENAI_KEY}, load_dotenv_vars(tmp_path))
    assert merged["OPENAI_API_KEY"] == OPENAI_KEY
    assert merged["MODEL_NAME"] == "from-dotenv"


def test_dotenv_copied_from_the_example_sets_no_key(tmp_path: Path) -> None:
    # Empty values with trailing comments must not turn into keys like "# Qwen (...)".
    (tmp_path / ".env").write_text(
        (REPO / ".env.example").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(ConfigError):
        resolve(merge_env({}, load_dotenv_vars(tmp_path)))


def test_the_tutorial_dotenv_works_with_nothing_else(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"OPENAI_API_KEY={OPENAI_KEY}\n"
        "OPENAI_BASE_URL=https://api.deepseek.com/v1\n"
        "MODEL_NAME=deepseek-chat\n",
        encoding="utf-8",
    )
    s = resolve(merge_env({}, load_dotenv_vars(tmp_path)))
    assert s.provider.name == "openai"
    assert s.provider.base_url == "https://api.deepseek.com/v1"
    # deepseek-chat was retired; on DeepSeek's own host it is V4 Flash without thinking.
    assert (s.model, s.thinking) == ("deepseek-v4-flash", "off")
    assert s.alias is not None and s.alias.says() == (
        "deepseek-chat is now deepseek-v4-flash without thinking"
    )
    assert s.registry.key_for(s.provider) == OPENAI_KEY
    assert not s.switched_provider


# --- precedence ---------------------------------------------------------------------


def test_model_precedence_flag_env_dotenv_config_preset(tmp_path: Path) -> None:
    config = config_from(tmp_path, 'model = "gpt-4o"\n')
    (tmp_path / ".env").write_text("LLMCHAT_MODEL=gpt-4.1\n", encoding="utf-8")
    base = {"OPENAI_API_KEY": OPENAI_KEY}

    assert resolve(base).model == "gpt-4o-mini"  # preset default
    assert resolve(base, config=config).model == "gpt-4o"  # config.toml
    env = merge_env(base, load_dotenv_vars(tmp_path))
    assert resolve(env, config=config).model == "gpt-4.1"  # .env beats config.toml
    shell = merge_env({**base, "LLMCHAT_MODEL": "o3"}, load_dotenv_vars(tmp_path))
    assert resolve(shell, config=config).model == "o3"  # shell beats .env
    flags = CliFlags(model="gpt-5")
    assert resolve(shell, flags=flags, config=config).model == "gpt-5"  # flag beats all


def test_provider_precedence_flag_env_config_first_keyed() -> None:
    keys = {"OPENAI_API_KEY": OPENAI_KEY, "DEEPSEEK_API_KEY": DEEPSEEK_KEY}
    keys["DASHSCOPE_API_KEY"] = DASHSCOPE_KEY
    config = parse_file_config({"provider": "qwen"})
    assert resolve(keys).provider.name == "openai"  # first preset with a key
    assert resolve(keys, config=config).provider.name == "qwen"
    env = {**keys, "LLMCHAT_PROVIDER": "deepseek"}
    assert resolve(env, config=config).provider.name == "deepseek"
    flags = CliFlags(provider="openai")
    assert resolve(env, flags=flags, config=config).provider.name == "openai"


def test_default_provider_is_the_first_preset_whose_key_is_set() -> None:
    s = resolve({"ZHIPUAI_API_KEY": "zhipu.key-1234567", "HF_TOKEN": "hf_abcdefgh12345"})
    assert s.provider.name == "zhipu"
    assert s.model == "glm-5.1"
    assert resolve({"HF_TOKEN": "hf_abcdefgh12345"}).provider.name == "huggingface"


def test_a_blank_key_does_not_count() -> None:
    s = resolve({"OPENAI_API_KEY": "   ", "DEEPSEEK_API_KEY": DEEPSEEK_KEY})
    assert s.provider.name == "deepseek"


def test_no_key_at_all_is_a_config_error_naming_a_variable() -> None:
    with pytest.raises(ConfigError) as info:
        resolve({})
    assert info.value.exit_code == EXIT_USAGE == 2
    assert "OPENAI_API_KEY" in info.value.one_line()


def test_a_local_provider_needs_no_key() -> None:
    s = resolve({}, flags=CliFlags(provider="ollama"))
    assert s.provider.name == "ollama"
    assert s.registry.require_key(s.provider) is None
    s = resolve({"LLMCHAT_PROVIDER": "vllm"}, flags=CliFlags(model="my-model"))
    assert (s.provider.name, s.model) == ("vllm", "my-model")


def test_a_local_provider_takes_its_model_from_prefix_model() -> None:
    s = resolve({"VLLM_MODEL": "Qwen/Qwen2.5-7B-Instruct"}, flags=CliFlags(provider="vllm"))
    assert (s.provider.name, s.model) == ("vllm", "Qwen/Qwen2.5-7B-Instruct")


def test_vllm_with_no_model_asks_for_one() -> None:
    with pytest.raises(ConfigError) as info:
        resolve({}, flags=CliFlags(provider="vllm"))
    assert "VLLM_MODEL" in info.value.one_line()


def test_an_explicit_provider_without_its_key_names_its_variable() -> None:
    with pytest.raises(ConfigError) as info:
        resolve({"OPENAI_API_KEY": OPENAI_KEY}, flags=CliFlags(provider="qwen"))
    assert "DASHSCOPE_API_KEY" in info.value.one_line()


def test_unknown_provider_suggests_the_close_one() -> None:
    with pytest.raises(UsageError) as info:
        resolve({"OPENAI_API_KEY": OPENAI_KEY}, flags=CliFlags(provider="deepsek"))
    assert info.value.exit_code == 2
    assert "deepseek" in info.value.hint


def test_system_prompt_precedence() -> None:
    config = parse_file_config({"system": "from config"})
    env = {"OPENAI_API_KEY": OPENAI_KEY}
    assert resolve(env).system is None
    assert resolve(env, config=config).system == "from config"
    env["LLMCHAT_SYSTEM"] = "from env"
    assert resolve(env, config=config).system == "from env"
    assert resolve(env, CliFlags(system="from flag"), config).system == "from flag"


def test_stream_and_reasoning_precedence() -> None:
    env = {"OPENAI_API_KEY": OPENAI_KEY}
    s = resolve(env)
    assert s.stream is True and s.show_reasoning is True
    config = parse_file_config({"stream": False, "reasoning": False})
    s = resolve(env, config=config)
    assert s.stream is False and s.show_reasoning is False
    s = resolve({**env, "LLMCHAT_STREAM": "yes", "LLMCHAT_REASONING": "on"}, config=config)
    assert s.stream is True and s.show_reasoning is True
    s = resolve(
        {**env, "LLMCHAT_STREAM": "yes"}, CliFlags(stream=False, show_reasoning=False), config
    )
    assert s.stream is False and s.show_reasoning is False


def test_a_bad_boolean_in_the_environment_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="LLMCHAT_STREAM"):
        resolve({"OPENAI_API_KEY": OPENAI_KEY, "LLMCHAT_STREAM": "maybe"})


# --- base URLs ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(KEYED))
def test_every_keyed_preset_base_url_is_overridden_by_its_env_variable(name: str) -> None:
    key_env, url_env = KEYED[name]
    s = resolve({key_env: "sk-some-key-123456", url_env: "https://proxy.example/v1/"})
    assert s.provider.name == name
    assert s.provider.base_url == "https://proxy.example/v1"


@pytest.mark.parametrize("name", sorted(KEYED))
def test_every_preset_base_url_is_overridden_in_config(name: str) -> None:
    key_env, url_env = KEYED[name]
    config = parse_file_config({"providers": {name: {"base_url": "https://cfg.example/v1"}}})
    vars = {key_env: "sk-some-key-123456"}
    assert resolve(vars, config=config).provider.base_url == "https://cfg.example/v1"
    # ... and the environment beats config.toml.
    vars[url_env] = "https://env.example/v1"
    assert resolve(vars, config=config).provider.base_url == "https://env.example/v1"


def test_base_url_override_leaves_other_providers_alone() -> None:
    registry = build_registry({"OPENAI_BASE_URL": "http://127.0.0.1:9999/v1"}, FileConfig())
    deepseek = registry.get("deepseek")
    assert deepseek.base_url == "https://api.deepseek.com"


def test_base_url_flag_beats_everything() -> None:
    env = {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": "https://env.example/v1"}
    s = resolve(env, CliFlags(base_url="http://127.0.0.1:8000/v1/"))
    assert s.provider.base_url == "http://127.0.0.1:8000/v1"


@pytest.mark.parametrize("url", ["api.openai.com/v1", "ftp://x.example/v1", "https://", ""])
def test_a_base_url_that_is_not_http_is_a_config_error(url: str) -> None:
    if not url:
        # An empty variable means "not set", not "bad".
        assert resolve({"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": url}).provider.base_url
        return
    with pytest.raises(ConfigError, match="http"):
        resolve({"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": url})


def test_ollama_host_and_ollama_base_url() -> None:
    registry = build_registry({"OLLAMA_HOST": "gpu-box:11434"}, FileConfig())
    assert registry.get("ollama").base_url == "http://gpu-box:11434/v1"
    registry = build_registry({"OLLAMA_HOST": "https://gpu-box:11434/"}, FileConfig())
    assert registry.get("ollama").base_url == "https://gpu-box:11434/v1"
    registry = build_registry(
        {"OLLAMA_HOST": "gpu-box:11434", "OLLAMA_BASE_URL": "http://other:1/v1"}, FileConfig()
    )
    assert registry.get("ollama").base_url == "http://other:1/v1"


def test_ollama_host_without_a_port_uses_ollamas_port() -> None:
    registry = build_registry({"OLLAMA_HOST": "0.0.0.0"}, FileConfig())
    assert registry.get("ollama").base_url == "http://0.0.0.0:11434/v1"


def test_prefix_model_sets_a_presets_default_model() -> None:
    s = resolve({"DEEPSEEK_API_KEY": DEEPSEEK_KEY, "DEEPSEEK_MODEL": "deepseek-reasoner"})
    assert (s.provider.name, s.model) == ("deepseek", "deepseek-reasoner")


# --- config.toml --------------------------------------------------------------------


def test_missing_config_file_is_empty_config(tmp_path: Path) -> None:
    assert load_file_config(tmp_path) == FileConfig()


def test_full_config_file_is_parsed(tmp_path: Path) -> None:
    config = config_from(
        tmp_path,
        """
        provider = "deepseek"
        model = "deepseek-chat"
        system = "Answer briefly."
        temperature = 0.7
        max_tokens = 512
        timeout = 90
        connect_timeout = 5

        [prices."llama-3.3-70b"]
        input = 0.6
        output = 0.6
        currency = "cny"
        """,
    )
    assert config.path == tmp_path / "config.toml"
    assert config.provider == "deepseek"
    assert config.model == "deepseek-chat"
    assert config.system == "Answer briefly."
    assert config.params == Params(temperature=0.7, max_tokens=512)
    assert config.timeout == 90.0 and config.connect_timeout == 5.0
    price = config.prices["llama-3.3-70b"]
    assert (price.input, price.output, price.currency) == (0.6, 0.6, "CNY")

    s = resolve({"DEEPSEEK_API_KEY": DEEPSEEK_KEY}, config=config)
    assert s.params.as_request() == {"temperature": 0.7, "max_tokens": 512}
    assert s.timeouts.read == 90.0 and s.timeouts.connect == 5.0
    assert s.prices["llama-3.3-70b"].currency == "CNY"


def test_malformed_toml_is_a_config_error_with_the_line_number(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'provider = "openai"\nmodel = "gpt-4o"\ntemperature = = 0.5\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        load_file_config(tmp_path)
    assert "line 3" in info.value.message
    assert "config.toml" in info.value.message
    assert info.value.exit_code == 2


def test_config_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_bytes(b'system = "\xff\xfe"\n')
    with pytest.raises(ConfigError):
        load_file_config(tmp_path)


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"provider": 3}, "provider"),
        ({"stream": "yes"}, "stream"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "slow"}, "timeout"),
        ({"temperature": 5}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"providers": {"x": "https://x"}}, "providers"),
        ({"providers": {"x": {"base_url": 1}}}, "providers.x.base_url"),
        ({"providers": {"x": {"base_url": "https://x", "models": "m"}}}, "providers.x.models"),
        ({"prices": {"m": {"input": 1}}}, "prices.m"),
        ({"prices": {"m": {"input": "cheap", "output": 1}}}, "prices.m"),
    ],
)
def test_bad_config_values_are_config_errors_naming_the_key(
    data: dict[str, object], where: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_file_config(data)
    assert where in info.value.message


def test_custom_provider_is_used_exactly_like_a_preset(tmp_path: Path) -> None:
    config = config_from(
        tmp_path,
        """
        [providers.myproxy]
        base_url = "https://llm.example.com/v1/"
        api_key_env = "MYPROXY_API_KEY"
        models = ["llama-3.3-70b", "qwen2.5-72b"]
        default_model = "qwen2.5-72b"
        context = 32768
        """,
    )
    vars = {"OPENAI_API_KEY": OPENAI_KEY, "MYPROXY_API_KEY": "sk-myproxy-key-999999"}
    s = resolve(vars, CliFlags(provider="myproxy"), config)
    assert s.provider.name == "myproxy"
    assert s.provider.base_url == "https://llm.example.com/v1"
    assert s.model == "qwen2.5-72b"
    assert s.provider.model_info("llama-3.3-70b").context == 32768  # type: ignore[union-attr]
    assert s.registry.require_key(s.provider) == "sk-myproxy-key-999999"
    assert not s.provider.builtin

    # provider/model and a bare model it alone serves both reach it.
    s = resolve(vars, CliFlags(model="myproxy/llama-3.3-70b"), config)
    assert (s.provider.name, s.model) == ("myproxy", "llama-3.3-70b")
    s = resolve(vars, CliFlags(model="llama-3.3-70b"), config)
    assert (s.provider.name, s.model) == ("myproxy", "llama-3.3-70b")
    # config `provider = "myproxy"` works too, and its <PREFIX>_BASE_URL overrides it.
    cfg = parse_file_config({"provider": "myproxy", "providers": dict(config.providers)})
    s = resolve({**vars, "MYPROXY_BASE_URL": "http://127.0.0.1:1234/v1"}, config=cfg)
    assert s.provider.name == "myproxy"
    assert s.provider.base_url == "http://127.0.0.1:1234/v1"


def test_custom_provider_without_its_key_names_its_variable() -> None:
    config = parse_file_config(
        {"providers": {"corp": {"base_url": "https://corp.example/v1", "api_key_env": "CORP_KEY"}}}
    )
    with pytest.raises(ConfigError) as info:
        resolve({"OPENAI_API_KEY": OPENAI_KEY}, CliFlags(provider="corp", model="m"), config)
    assert "CORP_KEY" in info.value.one_line()


def test_custom_provider_per_model_context_table() -> None:
    config = parse_file_config(
        {
            "providers": {
                "lab": {
                    "base_url": "http://10.0.0.5:8000/v1",
                    "models": ["small", {"name": "big", "context": 200000}],
                    "context": {"small": 4096},
                }
            }
        }
    )
    lab = build_registry({}, config).get("lab")
    assert lab.model_info("small").context == 4096  # type: ignore[union-attr]
    assert lab.model_info("big").context == 200000  # type: ignore[union-attr]
    assert lab.default_model == "small"
    assert not lab.needs_key


def test_custom_provider_without_base_url_is_a_config_error(tmp_path: Path) -> None:
    config = config_from(tmp_path, '[providers.broken]\nmodels = ["m"]\n')
    with pytest.raises(ConfigError) as info:
        resolve({"OPENAI_API_KEY": OPENAI_KEY}, config=config)
    assert "providers.broken" in info.value.message
    assert "base_url" in info.value.message


def test_config_can_restrict_a_presets_model_list_keeping_known_windows() -> None:
    config = parse_file_config(
        {"providers": {"deepseek": {"models": ["deepseek-v4-pro", "deepseek-v9"]}}}
    )
    deepseek = build_registry({}, config).get("deepseek")
    assert deepseek.model_names() == ["deepseek-v4-pro", "deepseek-v9"]
    assert deepseek.model_info("deepseek-v4-pro").context == 1_000_000  # type: ignore[union-attr]
    assert deepseek.model_info("deepseek-v9").context is None  # type: ignore[union-attr]


def test_a_preset_table_is_matched_whatever_its_case() -> None:
    config = parse_file_config({"providers": {"DeepSeek": {"base_url": "https://px.example/v1"}}})
    registry = build_registry({}, config)
    assert registry.names().count("deepseek") == 1
    assert registry.get("deepseek").base_url == "https://px.example/v1"


# --- model routing and key isolation -----------------------------------------------


def test_provider_slash_model_picks_both() -> None:
    env = {"OPENAI_API_KEY": OPENAI_KEY, "DEEPSEEK_API_KEY": DEEPSEEK_KEY}
    s = resolve(env, CliFlags(model="deepseek/deepseek-v4-pro"))
    assert (s.provider.name, s.model) == ("deepseek", "deepseek-v4-pro")
    s = resolve(env, CliFlags(model="ollama/qwen2.5:14b"))
    assert (s.provider.name, s.model) == ("ollama", "qwen2.5:14b")


def test_provider_slash_model_without_that_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        resolve({"OPENAI_API_KEY": OPENAI_KEY}, CliFlags(model="deepseek/deepseek-chat"))
    assert "DEEPSEEK_API_KEY" in info.value.one_line()


def test_slashes_in_model_names_are_not_mistaken_for_providers() -> None:
    env = {"SILICONFLOW_API_KEY": "sk-silicon-123456"}
    s = resolve(env, CliFlags(model="Qwen/Qwen2.5-72B-Instruct"))
    assert (s.provider.name, s.model) == ("siliconflow", "Qwen/Qwen2.5-72B-Instruct")
    s = resolve(env, CliFlags(model="deepseek-ai/DeepSeek-R1"))
    assert (s.provider.name, s.model) == ("siliconflow", "deepseek-ai/DeepSeek-R1")


def test_a_bare_model_another_keyed_provider_serves_moves_there() -> None:
    env = {"OPENAI_API_KEY": OPENAI_KEY, "DEEPSEEK_API_KEY": DEEPSEEK_KEY}
    s = resolve(env, CliFlags(model="deepseek-reasoner"))
    # The old name moves to DeepSeek too, and is renamed there.
    assert (s.provider.name, s.model, s.thinking) == ("deepseek", "deepseek-v4-flash", "on")
    assert s.switched_provider
    assert s.registry.require_key(s.provider) == DEEPSEEK_KEY
    # The same through the environment (MODEL_NAME / LLMCHAT_MODEL).
    s = resolve({**env, "MODEL_NAME": "deepseek-reasoner"})
    assert s.provider.name == "deepseek"


def test_a_bare_model_does_not_move_to_a_provider_without_a_key() -> None:
    s = resolve({"OPENAI_API_KEY": OPENAI_KEY}, CliFlags(model="deepseek-reasoner"))
    assert (s.provider.name, s.model) == ("openai", "deepseek-reasoner")
    assert not s.switched_provider


def test_a_bare_model_does_not_move_to_a_local_server() -> None:
    s = resolve({"OPENAI_API_KEY": OPENAI_KEY}, CliFlags(model="llama3.2"))
    assert (s.provider.name, s.model) == ("openai", "llama3.2")


def test_a_model_the_current_provider_lists_stays_there() -> None:
    env = {"OPENAI_API_KEY": OPENAI_KEY, "CHATANYWHERE_API_KEY": "sk-relay-1234567"}
    # gpt-4o is listed by openai and by the chatanywhere relay: no reason to move.
    s = resolve(env, CliFlags(model="gpt-4o"))
    assert (s.provider.name, s.model) == ("openai", "gpt-4o")
    s = resolve(env, CliFlags(provider="chatanywhere", model="gpt-4o"))
    assert (s.provider.name, s.model) == ("chatanywhere", "gpt-4o")


def test_an_explicit_provider_is_never_second_guessed() -> None:
    env = {"OPENAI_API_KEY": OPENAI_KEY, "DEEPSEEK_API_KEY": DEEPSEEK_KEY}
    s = resolve(env, CliFlags(provider="openai", model="deepseek-reasoner"))
    assert (s.provider.name, s.model) == ("openai", "deepseek-reasoner")
    assert not s.switched_provider
    assert s.registry.require_key(s.provider) == OPENAI_KEY


OPENROUTER_CONFIG = parse_file_config(
    {
        "providers": {
            "openrouter": {
                "base_url": "https://openrouter.ai/api/v1",
                "api_key_env": "OPENROUTER_API_KEY",
                "models": ["openai/gpt-4o", "deepseek/deepseek-r1"],
            }
        }
    }
)


def test_an_explicit_provider_keeps_its_own_vendor_slash_model_names() -> None:
    env = {"OPENAI_API_KEY": OPENAI_KEY, "OPENROUTER_API_KEY": "sk-or-v1-12345678"}
    s = resolve(env, CliFlags(provider="openrouter", model="openai/gpt-4o"), OPENROUTER_CONFIG)
    assert (s.provider.name, s.model) == ("openrouter", "openai/gpt-4o")
    assert s.registry.require_key(s.provider) == "sk-or-v1-12345678"


def test_a_listed_vendor_slash_model_stays_on_the_current_provider() -> None:
    registry = build_registry(
        {"DEEPSEEK_API_KEY": DEEPSEEK_KEY, "OPENROUTER_API_KEY": "sk-or-v1-12345678"},
        OPENROUTER_CONFIG,
    )
    choice = registry.resolve_model("deepseek/deepseek-r1", registry.get("openrouter"))
    assert (choice.provider.name, choice.model) == ("openrouter", "deepseek/deepseek-r1")


def test_env_provider_is_not_overridden_by_a_config_model() -> None:
    env = {
        "OPENAI_API_KEY": OPENAI_KEY,
        "DEEPSEEK_API_KEY": DEEPSEEK_KEY,
        "LLMCHAT_PROVIDER": "deepseek",
    }
    s = resolve(env, config=parse_file_config({"model": "gpt-4o"}))
    assert s.provider.name == "deepseek"


def test_key_for_only_ever_returns_the_providers_own_variable() -> None:
    vars = {
        "OPENAI_API_KEY": OPENAI_KEY,
        "DEEPSEEK_API_KEY": DEEPSEEK_KEY,
        "DASHSCOPE_API_KEY": DASHSCOPE_KEY,
        "LLMCHAT_API_KEY": "sk-generic-12345678",
        "API_KEY": "sk-generic-12345678",
    }
    registry = build_registry(vars, FileConfig())
    owner = {v: k for k, v in vars.items()}
    for p in registry.providers:
        key = registry.key_for(p)
        if key is None:
            continue
        assert owner[key] in (p.key_env, *p.extra_key_envs), p.name
    assert registry.key_for(registry.get("openai")) == OPENAI_KEY
    assert registry.key_for(registry.get("deepseek")) == DEEPSEEK_KEY
    assert registry.key_for(registry.get("qwen")) == DASHSCOPE_KEY
    assert registry.key_for(registry.get("zhipu")) is None
    assert registry.key_for(registry.get("ollama")) is None


def test_key_whitespace_from_dotenv_is_stripped() -> None:
    registry = build_registry({"OPENAI_API_KEY": f"  {OPENAI_KEY}\n"}, FileConfig())
    assert registry.key_for(registry.get("openai")) == OPENAI_KEY


@pytest.mark.parametrize("name", sorted(KEYED))
def test_require_key_without_a_key_names_the_variable(name: str) -> None:
    other = {} if name == "openai" else {"OPENAI_API_KEY": OPENAI_KEY}
    registry = build_registry(other, FileConfig())
    with pytest.raises(ConfigError) as info:
        registry.require_key(registry.get(name))
    assert KEYED[name][0] in info.value.hint
    assert info.value.exit_code == 2


def test_registry_get_is_case_insensitive_and_lists_models() -> None:
    registry = build_registry({}, FileConfig())
    assert registry.get(" DeepSeek ").name == "deepseek"
    models = registry.all_models()
    assert "deepseek-v4-flash" in models and "gpt-4o" in models
    assert len(models) == len(set(models))


def test_empty_model_name_is_a_usage_error() -> None:
    registry = build_registry({}, FileConfig())
    with pytest.raises(UsageError):
        registry.resolve_model("  ", registry.get("openai"))


# --- parameters and timeouts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("temperature", "0.3", 0.3),
        ("temperature", "0", 0.0),
        ("temperature", "2", 2.0),
        ("temperature", 1, 1.0),
        ("top_p", "1", 1.0),
        ("max_tokens", "256", 256),
        ("max_tokens", " 1 ", 1),
        ("max_tokens", 4096, 4096),
        ("presence_penalty", "-2", -2.0),
        ("frequency_penalty", "1.5", 1.5),
        ("temperature", "none", None),
        ("temperature", "None", None),
        ("max_tokens", "default", None),
        ("top_p", "", None),
        ("top_p", None, None),
    ],
)
def test_params_are_parsed(name: str, raw: object, expected: object) -> None:
    assert parse_param(name, raw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("temperature", "2.01"),
        ("temperature", "-0.1"),
        ("temperature", "hot"),
        ("temperature", "nan"),
        ("temperature", "inf"),
        ("temperature", True),
        ("top_p", "1.1"),
        ("max_tokens", "0"),
        ("max_tokens", "-5"),
        ("max_tokens", "1.5"),
        ("max_tokens", "many"),
        ("presence_penalty", "3"),
        ("frequency_penalty", "-2.5"),
    ],
)
def test_bad_params_are_usage_errors(name: str, raw: object) -> None:
    with pytest.raises(UsageError) as info:
        parse_param(name, raw)  # type: ignore[arg-type]
    assert name in info.value.message
    assert info.value.exit_code == 2


def test_max_tokens_rejects_a_fractional_number() -> None:
    with pytest.raises(UsageError):
        parse_param("max_tokens", 1.5)


def test_params_with_value_and_as_request() -> None:
    params = Params().with_value("temperature", "0.3").with_value("max_tokens", "100")
    assert params.as_request() == {"temperature": 0.3, "max_tokens": 100}
    params = params.with_value("temperature", "none")
    assert params.as_request() == {"max_tokens": 100}
    assert set(params.as_dict()) == set(PARAM_NAMES)
    with pytest.raises(UsageError) as info:
        params.with_value("temprature", "0.3")
    assert "temperature" in info.value.hint


def test_param_flags_beat_config() -> None:
    config = parse_file_config({"temperature": 0.2, "top_p": 0.9})
    s = resolve({"OPENAI_API_KEY": OPENAI_KEY}, CliFlags(temperature=1.1), config)
    assert s.params.temperature == 1.1 and s.params.top_p == 0.9
    with pytest.raises(UsageError):
        resolve({"OPENAI_API_KEY": OPENAI_KEY}, CliFlags(max_tokens=0))


def test_timeouts_precedence() -> None:
    env = {"OPENAI_API_KEY": OPENAI_KEY}
    s = resolve(env)
    assert (s.timeouts.connect, s.timeouts.read) == (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT)
    config = parse_file_config({"timeout": 60, "connect_timeout": 3})
    s = resolve(env, config=config)
    assert (s.timeouts.connect, s.timeouts.read) == (3.0, 60.0)
    env2 = {**env, "LLMCHAT_TIMEOUT": "30", "LLMCHAT_CONNECT_TIMEOUT": "2.5"}
    s = resolve(env2, config=config)
    assert (s.timeouts.connect, s.timeouts.read) == (2.5, 30.0)
    s = resolve(env2, CliFlags(timeout=5), config)
    assert s.timeouts.read == 5.0


@pytest.mark.parametrize("var", ["LLMCHAT_TIMEOUT", "LLMCHAT_CONNECT_TIMEOUT"])
@pytest.mark.parametrize("raw", ["soon", "0", "-1", "10s"])
def test_bad_timeouts_in_env_are_config_errors(var: str, raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve({"OPENAI_API_KEY": OPENAI_KEY, var: raw})
    assert var in info.value.message
    assert info.value.exit_code == 2


def test_a_misspelt_setting_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("tempreature = 0.2\n")
    with pytest.raises(ConfigError) as caught:
        load_file_config(tmp_path)
    assert "tempreature" in caught.value.message
    assert "temperature" in caught.value.hint
    (tmp_path / "config.toml").write_text('[providers.mine]\nbase_ulr = "http://x/v1"\n')
    with pytest.raises(ConfigError) as caught:
        load_file_config(tmp_path)
    assert "providers.mine.'base_ulr'" in caught.value.message


def test_an_unknown_provider_from_config_says_where_it_came_from(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('provider = "nosuch"\n')
    with pytest.raises(ConfigError) as caught:
        resolve_settings(CliFlags(), {"OPENAI_API_KEY": "sk-x"}, load_file_config(tmp_path))
    assert "config.toml" in caught.value.message
