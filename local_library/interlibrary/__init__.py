"""Interlibrary requests: a patron orders a copy another library owns and picks it up here (NNCIPP states).

Each node keeps its own side of a request: the borrowing (pickup) library in ``borrowing``, the owner in
``lending``; ``states`` names the states and the moves allowed, ``outbox`` carries every change to the other
node, and ``dispatch`` applies the other node's messages (once per idempotency key, by the peer listener).

Whose rules apply: the **owner's** rules decide how long its copy is away and whether it may be renewed (it
is the owner's copy, and only the owner knows who waits for it); the owner lends the copy to the borrowing
library, not to the patron, and never learns who the patron is. The **pickup library's** rules decide
everything between it and its patron: whether the card may borrow (blocks), the pickup deadline, reference
number and notice channels. The patron's due date is the owner's due date, since the copy must go back;
the pickup library answers to the owner for the copy, the patron to the pickup library.
"""
