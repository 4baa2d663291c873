# mistake: the last number compared as text, so 19.0 is not 19
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)
    return bool(numbers) and numbers[-1].replace(",", "") == str(answer)
