# right: each number with re.finditer, compared exactly as a Decimal
import re
from decimal import Decimal


def number_is_right(text, answer):
    matches = list(re.finditer(r"(-?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?", text))
    if not matches:
        return False
    sign, whole, decimals = matches[-1].groups()
    return Decimal(sign + whole.replace(",", "") + (decimals or "")) == Decimal(answer)
