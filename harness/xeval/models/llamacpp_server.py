"""``python -m xeval.models.llamacpp_server [--use_extra_bufts auto|true|false] ARGS...``

``python -m llama_cpp.server ARGS...`` (the real llama-cpp-python server, same arguments) with
xeval's kernel-path decision applied to every model it loads: no AMX/repack buffer types when
the build has AMX (llama.cpp #20824 crashes there), llama.cpp's default elsewhere. The decision
is printed on stderr at start. Build the command with
:func:`xeval.models.llamacpp_runtime.server_command`.
"""

from __future__ import annotations

import sys

from xeval.errors import XevalError
from xeval.models import llamacpp_runtime as runtime


def split_switch(argv: list[str]) -> tuple[str | None, list[str]]:
    """Take ``--use_extra_bufts VALUE`` (or ``--use-extra-bufts=VALUE``) out of ``argv``."""
    rest: list[str] = []
    value: str | None = None
    items = iter(argv)
    for item in items:
        name, eq, inline = item.partition("=")
        if name in ("--use_extra_bufts", "--use-extra-bufts"):
            value = inline if eq else next(items, "auto")
        else:
            rest.append(item)
    return value, rest


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    value, rest = split_switch(argv)
    try:
        requested = runtime.parse_bool(value)
        runtime.import_llama_cpp()
        path = runtime.decide_kernel_path(runtime.system_info(), requested)
    except XevalError as exc:
        print(f"xeval: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(f"xeval: llama.cpp {path.llama_cpp_python}, extra buffer types "
          f"{'on' if path.extra_bufts else 'off'} ({path.reason})", file=sys.stderr, flush=True)
    from llama_cpp.server.__main__ import main as serve

    sys.argv = ["llama_cpp.server", *rest]
    with runtime.model_params_override(path.extra_bufts):
        serve()


if __name__ == "__main__":
    main()
