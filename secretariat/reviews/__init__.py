"""Published legislative reviews (ICMEC's and others'), read on their own from the first day:
importing one (`importer`, `upload`), the section-07 table, two editions and the review beside
the self-assessments (`tables`, `labels`), the world map (`worldmap`, `geodata/`), and their pages
(`views`, `forms`, `urls`). The comparison of self-assessments stays in `secretariat` itself."""
