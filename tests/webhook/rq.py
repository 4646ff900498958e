#!/usr/bin/python3
"""rq.py — questions about the requests a webhook_receiver.py log recorded (t_webhook*.sh).

  rq.py eval LOG PATH CODE   runs the Python CODE with R = the records for PATH (in
                             arrival order; PATH '*' = every path), json, and B(r) = the
                             request body parsed as JSON; prints the value of its last
                             statement, an expression (strings as they are, other values
                             as JSON)
"""
import ast
import json
import sys


def main():
    if len(sys.argv) != 5 or sys.argv[1] != "eval":
        sys.stderr.write(__doc__)
        return 2
    _, _, log, path, expr = sys.argv
    R = []
    try:
        with open(log) as f:
            for line in f:
                r = json.loads(line)
                if path == "*" or r["path"] == path:
                    R.append(r)
    except FileNotFoundError:
        pass

    def B(r):
        return json.loads(r["body"])
    env = {"R": R, "json": json, "B": B}
    tree = ast.parse(expr.strip(), mode="exec")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<rq>", "exec"), env)
    v = eval(compile(ast.Expression(last.value), "<rq>", "eval"), env) if last else None
    print(v if isinstance(v, str) else json.dumps(v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
