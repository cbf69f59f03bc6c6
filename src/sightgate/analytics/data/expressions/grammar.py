"""The calculated-field grammar (an LALR grammar for lark) and the parser's guards.

The parse tree is checked against the limits before anything walks it recursively, so a
hostile expression (deep nesting, a huge text) is an ExpressionError, never a
RecursionError or a slow request.
"""

from __future__ import annotations

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .errors import ExpressionError, Position

MAX_LENGTH = 32_000
"""The longest expression accepted: QuickSight's limit for an analysis' CalculatedField
(FilterOperation allows 4,096; the catalog checks that member). A dataset's
CalculatedColumn may be longer in QuickSight (250,000); here it may not, since parsing
costs some 30 microseconds a token and the engine compiles expressions per query."""

MAX_DEPTH = 100
"""How deeply operators, calls and parentheses may nest (the parse tree's depth)."""

GRAMMAR = r"""
?start: expr

?expr: or_
?or_: and_
    | or_ OR and_                 -> logic
?and_: not_
    | and_ AND not_               -> logic
?not_: comparison
    | NOT not_                    -> negation
?comparison: sum
    | sum COMPARE sum             -> compare
?sum: product
    | sum PLUS product            -> arith
    | sum MINUS product           -> arith
?product: unary
    | product STAR unary          -> arith
    | product SLASH unary         -> arith
    | product PERCENT unary       -> arith
?unary: power
    | MINUS unary                 -> sign
    | PLUS unary                  -> sign
?power: atom
    | atom CARET unary            -> arith
?atom: NUMBER                     -> number
    | STRING                      -> string
    | FIELD                       -> field
    | PARAMETER                   -> parameter
    | NULL                        -> null
    | TRUE                        -> boolean
    | FALSE                       -> boolean
    | NAME                        -> name
    | NAME "(" [argument ("," argument)*] ")" -> call
    | "(" expr ")"

?argument: expr
    | "[" [item ("," item)*] "]"  -> list
item: expr [DIRECTION]

OR.2: /or\b/i
AND.2: /and\b/i
NOT.2: /not\b/i
NULL.2: /null\b/i
TRUE.2: /true\b/i
FALSE.2: /false\b/i
DIRECTION.2: /(asc|desc)\b/i
COMPARE: "<>" | "!=" | "<=" | ">=" | "=" | "<" | ">"
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
PERCENT: "%"
CARET: "^"
NUMBER: /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/
STRING: /'(?:[^'\\]|\\.)*'/s | /"(?:[^"\\]|\\.)*"/s
FIELD: /\{[^{}]+\}/
PARAMETER: /\$\{[^{}]+\}/ | /\$[A-Za-z_][A-Za-z0-9_]*/
NAME: /[A-Za-z_][A-Za-z0-9_]*/

%ignore /\s+/
"""

_PARSER = Lark(GRAMMAR, parser="lalr", lexer="contextual", propagate_positions=True)

_TOKEN_NAMES = {
    "RPAR": "')'",
    "LPAR": "'('",
    "COMMA": "','",
    "LSQB": "'['",
    "RSQB": "']'",
    "$END": "the end of the expression",
}


def parse(text: str, field: str) -> Tree[Token]:
    """The parse tree of ``text``, or an ExpressionError naming the syntax error's position."""
    if not text.strip():
        raise ExpressionError(field, "the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            field, f"the expression is {len(text)} characters long (at most {MAX_LENGTH})"
        )
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text, field) from None
    _check_depth(tree, field)
    return tree


def _syntax_error(error: UnexpectedInput, text: str, field: str) -> ExpressionError:
    if isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    ):
        return ExpressionError(field, "syntax error: the expression ends too early")
    position = Position(error.line, error.column)
    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream or 0
        char = text[offset] if offset < len(text) else ""
        if char in "'\"":
            return ExpressionError(field, "syntax error: unterminated string", position)
        if char == "{":
            return ExpressionError(field, "syntax error: unterminated or empty {field}", position)
        return ExpressionError(field, f"syntax error: unexpected character {char!r}", position)
    assert isinstance(error, UnexpectedToken)
    shown = _TOKEN_NAMES.get(error.token.type, repr(str(error.token)))
    return ExpressionError(field, f"syntax error: unexpected {shown}", position)


def _check_depth(tree: Tree[Token], field: str) -> None:
    """Refuse trees deeper than MAX_DEPTH, walking them without recursion."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            position = Position(node.meta.line, node.meta.column)
            raise ExpressionError(
                field, f"the expression nests more than {MAX_DEPTH} levels deep", position
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))
