"""Where a line of CJK text may not break (JIS X 4051 "kinsoku"), shared by the rich
wrapper (render/cjk.py) and the standard-library one that runs before the first prompt
(render/wrapping.py). Standard library only, so either may import it.
"""

from __future__ import annotations

# A line must not start with these: closing brackets and quotes, sentence and clause
# punctuation, iteration marks, small kana and the prolonged sound mark (JIS X 4051).
NO_BREAK_BEFORE = frozenset(
    "、。，．・：；？！）」』】〕〉》〗〙〛｝］｠’”〞‼⁇⁈⁉"
    "ゝゞーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖ々〻゠〜～…‥％‰℃°"
    ",.;:!?)]}%"
)
# A line must not end with these: opening brackets and quotes.
NO_BREAK_AFTER = frozenset("（「『【〔〈《〖〘〚｛［｟‘“([{")
