# mistake: any number of the reply, not its last
import re


def number_is_right(text, answer):
    return any(float(n.replace(",", "")) == answer for n in re.findall(r"-?\d[\d,]*(?:\.\d+)?", text))
