import re
from decimal import Decimal


def number_is_right(text, answer):
    """Whether the last number the reply writes in digits equals the answer."""
    numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)  # sign, thousands commas and decimals kept with their digits
    return bool(numbers) and Decimal(numbers[-1].replace(",", "")) == answer  # exact, however long the number
