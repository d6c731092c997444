"""Statistics: every chart series of the statistics page and ``stats --plot`` (:mod:`.charts`)."""
