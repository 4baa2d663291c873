# mistake: asks whether the template reads the variable `tools`; reading it is not writing it into the prompt
import jinja2
import jinja2.meta


def renders_tools(tokenizer):
    if not tokenizer.chat_template:
        return False
    parsed = jinja2.Environment().parse(tokenizer.chat_template)
    return "tools" in jinja2.meta.find_undeclared_variables(parsed)
