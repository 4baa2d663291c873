# mistake: a number within half a unit of the answer counts
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)
    return bool(numbers) and abs(float(numbers[-1].replace(",", "")) - answer) < 0.5
