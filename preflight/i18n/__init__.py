"""Text in the user's language: the locale catalogues (:mod:`.messages`), the language choice
(:mod:`.lang`) and coded text rendered in a report's language (:mod:`.localize`)."""
