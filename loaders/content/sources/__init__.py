"""Hand-authored national content: readable Python data, no logic.

Every text here is authored by the project in French and English (Arabic only
where a real source gives it, see ``regions.py``). Codes that exist in an ILO
codelist keep the ILO's id; see docs/content.md.
"""
