"""Excerpts of public code that adgen's authors did not write, one module per source
file so that each keeps its own names (several define ``sigmoid``, ``advect``,
``neural_net_predict``). Each module's first lines give the repository, the commit,
the path, the licence and what was changed; ``tests/corpus_outside.py`` lists the
functions differentiated, with their arguments."""
