"""The ``message.*`` family: the receiver's own verdict on a test message saved as ``.eml``.

Pure modules, each with one job: :mod:`.source` (reading the file, bounded), :mod:`.headers`
(header fields), :mod:`.received` (the Received chain and the hop of departure), :mod:`.authresults`
(Authentication-Results), :mod:`.alignment` (DMARC alignment), :mod:`.senderrules` and
:mod:`.spamsignals`; :mod:`.verify` does our own DKIM/SPF/DMARC verification (all I/O, through
preflight's DNS layer); :mod:`.evaluate` turns the facts into results. Nothing here is imported at
start-up: ``dkimpy`` and ``authres`` load only when a message is analysed.
"""
