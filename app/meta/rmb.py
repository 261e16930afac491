"""人民币大写: an amount in Chinese capital numerals, as on invoices and approval forms.

Written after the 会计基础工作规范 (第五十二条): 壹贰叁…玖, 拾佰仟, 万亿, 元角分; "整" after 元 or 角 when
nothing follows; one 零 for a run of zeros inside the number (壹仟零壹元, 贰拾万零伍佰元, but 壹拾万柒仟元), and 零 before 角 or 分 when the
元 digit is zero (壹拾万元零伍角) or 角 is zero (壹元零伍分).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")  # within a group of four digits
GROUPS = ("", "万", "亿", "万亿")  # each group of four digits, from the right
CENT = Decimal("0.01")


def _integer(number: int) -> str:
    """壹仟零壹, 壹拾万, 壹亿零壹万 …; "" for 0."""
    digits = str(number)
    length = len(digits)
    if length > 4 * len(GROUPS):
        raise ValueError("金额过大")
    out: list[str] = []
    pending_zero = False
    for index, char in enumerate(digits):
        position = length - 1 - index  # from the right, 0 = 元
        digit = int(char)
        if digit == 0:
            pending_zero = True
        else:
            if pending_zero and out:
                out.append("零")
            pending_zero = False
            out.append(DIGITS[digit] + PLACES[position % 4])
        group = position // 4
        if position % 4 == 0 and group > 0 and int(digits[max(0, index - 3): index + 1]) != 0:
            out.append(GROUPS[group])
            pending_zero = False  # 壹拾万柒仟: zeros closing a group are read as its unit
    return "".join(out)


def capital_amount(value: Any) -> str:
    """1234.5 → 壹仟贰佰叁拾肆元伍角整; 0.5 → 伍角整; 10 → 壹拾元整; 1001.01 → 壹仟零壹元零壹分; 0 → 零元整."""
    try:
        amount = Decimal(str(value if value not in (None, "") else 0)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"不是金额：{value!r}") from exc
    sign = "负" if amount < 0 else ""
    amount = abs(amount)
    yuan = int(amount)
    cents = int((amount - yuan) * 100)
    jiao, fen = divmod(cents, 10)
    words = _integer(yuan)
    if yuan:
        words += "元"
    if not cents:
        return sign + (words or "零元") + "整"
    if jiao:
        if yuan and yuan % 10 == 0:
            words += "零"
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += DIGITS[fen] + "分"
    else:
        words += "整"
    return sign + words
