"""Morocco's 12 regions (2015 regionalisation), in HCP's official order.

Codes 01-12 follow HCP's numbering, which is also the ISO 3166-2 order
(MA-01 ... MA-12). French names: HCP. English names: the same proper names
(``L'Oriental`` is ``Oriental`` in English usage). Arabic names: reference
digest (domain.md section 5.3), marked there as unverified: HCP must confirm
spellings, numbering and Arabic names before release (docs/content.md).
ISO 3166-2 *names* are deliberately not used.
"""

from __future__ import annotations

# (HCP code, French name, English name, Arabic name)
REGIONS: list[tuple[str, str, str, str]] = [
    ("01", "Tanger-Tétouan-Al Hoceïma", "Tanger-Tétouan-Al Hoceïma", "طنجة تطوان الحسيمة"),
    ("02", "L'Oriental", "Oriental", "الشرق"),
    ("03", "Fès-Meknès", "Fès-Meknès", "فاس مكناس"),
    ("04", "Rabat-Salé-Kénitra", "Rabat-Salé-Kénitra", "الرباط سلا القنيطرة"),
    ("05", "Béni Mellal-Khénifra", "Béni Mellal-Khénifra", "بني ملال خنيفرة"),
    ("06", "Casablanca-Settat", "Casablanca-Settat", "الدار البيضاء سطات"),
    ("07", "Marrakech-Safi", "Marrakech-Safi", "مراكش آسفي"),
    ("08", "Drâa-Tafilalet", "Drâa-Tafilalet", "درعة تافيلالت"),
    ("09", "Souss-Massa", "Souss-Massa", "سوس ماسة"),
    ("10", "Guelmim-Oued Noun", "Guelmim-Oued Noun", "كلميم واد نون"),
    ("11", "Laâyoune-Sakia El Hamra", "Laâyoune-Sakia El Hamra", "العيون الساقية الحمراء"),
    ("12", "Dakhla-Oued Ed-Dahab", "Dakhla-Oued Ed-Dahab", "الداخلة وادي الذهب"),
]
