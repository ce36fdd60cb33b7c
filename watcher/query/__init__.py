"""The query language: Lucene syntax parsed by luqum into our AST, checked and compiled."""

from watcher.query.compile import CompiledQuery, compile_node, compile_query, keywords_query
from watcher.query.nodes import Node, render
from watcher.query.parse import parse_query

__all__ = [
    "CompiledQuery",
    "Node",
    "compile_node",
    "compile_query",
    "keywords_query",
    "parse_query",
    "render",
]
