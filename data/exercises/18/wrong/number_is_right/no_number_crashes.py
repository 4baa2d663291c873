# mistake: a reply with no number raises instead of being wrong
import re


def number_is_right(text, answer):
    return float(re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)[-1].replace(",", "")) == answer
