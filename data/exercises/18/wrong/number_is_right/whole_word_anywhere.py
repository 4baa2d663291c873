# mistake: the capitals' rule, the answer as a whole word anywhere in the reply
import re


def number_is_right(text, answer):
    return re.search(rf"(?<![\d.,-]){answer}(?![\d,]|\.\d)", text) is not None
