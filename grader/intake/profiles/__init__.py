"""Intake profiles: how each VLE's bulk download names its students and their files.

One module per VLE (``moodle``, ``canvas``, ``blackboard``), one for ``--id-pattern``
(``pattern``) and ``detect``, which tells them apart by the names a download holds.
"""
