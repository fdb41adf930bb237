"""One-true-awk (Android's /system/bin/awk) on the virtual phone: the POSIX awk language, with the
number formatting, array order and error texts of the 20220912 release. `lexer` and `parser` turn a
program into a tree, `runtime` runs it over records, `values` holds awk's value and output rules.
"""

from __future__ import annotations

from . import command

#: The modules declaring the awk applet (for `Applets.collect`).
MODULES = (command,)
