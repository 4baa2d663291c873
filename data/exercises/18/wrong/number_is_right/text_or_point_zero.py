# mistake: the last number compared as text, with or without ".0"
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)
    return bool(numbers) and numbers[-1].replace(",", "") in (str(answer), f"{answer}.0")
