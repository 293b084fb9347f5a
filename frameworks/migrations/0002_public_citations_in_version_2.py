"""Issue 23: rows already loaded from version 2 of the framework files cite public sources.

Version 2 cited our working notes (repository paths, line numbers of our copy of the report);
assessments pinned to it, which may not move once submitted, would keep showing them. Only
citations, references and the versions' notes are rewritten, into version 3's words (whose
translations exist); no question, level, code or rule changes. See frameworks/citations.py.
"""

from django.db import migrations

# Each version-2 note, and the public note of version 3 that replaces it.
MNR_V2 = (
        "The domain and capability names are the framework's own. Domain outcomes, "
        "capability summaries, level descriptors and indicator questions are our own "
        "wording, written from the paraphrase of the alliance's published capability list "
        "in shared/reference/mnr.md; the 2016 guidance itself was not read for this file "
        "and is cited only as see also. Each indicator says which level of the scale it "
        "evidences (evidences_level), so the contradiction flag compares a claimed level "
        "with the indicators that bear on it. Indicators ask one question each; an "
        "indicator whose question changed has a new code, so answers carried over by code "
        "never land on another question. The five-level scale (0 Not in place to 4 "
        "Advanced) is this product's own and is not the alliance's MNR Maturity Model. "
        "The alliance's cross-cutting enablers were recalled without a source at hand "
        "(check) and are therefore left out of this file; they are not scored "
        "capabilities. Recommendation codes refer to the gta2019-recommendations "
        "framework."
    )
MNR_V3 = (
        "The domain and capability names are the framework's own. Domain outcomes, "
        "capability summaries, level descriptors and indicator questions are this tool's "
        "own wording, written from the alliance's published list of capabilities. Each "
        "indicator asks one question and says which level of the scale it gives evidence "
        "of, so that a level claimed can be compared with the answers. An indicator whose "
        "question changes gets a new code. The five-level scale (0 Not in place to 4 "
        "Advanced) is this tool's own and is not the alliance's MNR Maturity Model. The "
        "alliance's cross-cutting enablers are not included; they are not scored "
        "capabilities. Recommendation codes refer to the Global Threat Assessment 2019 "
        "recommendations."
    )
LEGISLATION_V2 = (
        "Questions and guidance are our own wording. The five criteria are those the "
        "Global Threat Assessment 2019 lists (section 07, L742-L747); the sufficiency "
        "rule is the one its table states (L754: at least four of the five) together with "
        "ICMEC's practice, recorded in reference/legislation.md, of counting none of the "
        "other criteria for a country without CSAM-specific law: criterion 1 is therefore "
        "required. ICMEC marks each criterion met or not met, with no partial credit. "
        "Countries may still answer criteria 2-5 when criterion 1 is not met (useful for "
        "planning), but scoring follows ICMEC. The further questions are not scored and "
        "go beyond ICMEC: three come from loopholes the report names in section 07 (L767, "
        "L771), one from section 06 (L672), and the Lanzarote questions follow the "
        "article titles the report lists (Definitions and scope, L105-L112); the report "
        "endorses the Convention's scope and names no gaps against it, so anything in "
        "those questions beyond an article's title is marked as our elaboration."
    )
LEGISLATION_V3 = (
        "Questions and guidance are this tool's own wording. The five criteria are those "
        "the Global Threat Assessment 2019 lists in section 07, and the sufficiency rule "
        "is the one its table states (at least four of the five), together with ICMEC's "
        "practice of counting none of the other criteria for a country without "
        "CSAM-specific law: criterion 1 is therefore required. ICMEC marks each criterion "
        "met or not met, with no partial credit. Countries may still answer criteria 2-5 "
        "when criterion 1 is not met (useful for planning), but scoring follows ICMEC. "
        "The further questions are not scored and go beyond ICMEC: three come from "
        "loopholes the report names in section 07, one from section 06, and the Lanzarote "
        "questions follow the article titles the report lists in its Definitions and "
        "scope; the report endorses the Convention's scope and names no gaps against it, "
        "so anything in those questions beyond an article's title is marked as this "
        "tool's suggestion."
    )
RECOMMENDATIONS_V2 = (
        "Each recommendation is paraphrased in our own words from the report, adding "
        "nothing it does not say (line numbers refer to the plain-text copy in "
        "shared/docs); the codes R01-R16 are ours, given as stable identifiers. R01-R13 "
        "are the section 09 recommendations in the report's order; R14-R16 are the Child "
        "Dignity Alliance technical working group's recommendations that the report "
        "quotes in section 08."
    )
RECOMMENDATIONS_V3 = (
        "Each recommendation is paraphrased in our own words from the report; the codes "
        "R01-R16 are ours, given as stable identifiers. R01-R13 are the section 09 "
        "recommendations in the report's order; R14-R16 are the Child Dignity Alliance "
        "technical working group's recommendations that the report quotes in section 08."
    )
NOTES = {MNR_V2: MNR_V3, LEGISLATION_V2: LEGISLATION_V3, RECOMMENDATIONS_V2: RECOMMENDATIONS_V3}


def forwards(apps, schema_editor):
    from frameworks.citations import public_citations

    names = ("FrameworkVersion", "Domain", "Capability", "Criterion", "Recommendation")
    public_citations({name: apps.get_model("frameworks", name) for name in names}, NOTES)


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
