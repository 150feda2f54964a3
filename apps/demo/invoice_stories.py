"""What the demo's invoices tell (apps/demo/invoices.py seeds them): Contoso's office-supply
orders, who asked for each and why, the order the README's example invoice quotes, and the
Adventure Works price story insights and exception advice read."""

from __future__ import annotations

# Contoso's office-supply orders: order → (title, lines, ordered days ago, received days after)
ORDERS: dict[str, tuple[str, list[tuple[str, str, str]], int, int | None]] = {
    "toner": ("Toner for the print room", [("Toner cartridge", "12", "45.00")], 66, 3),
    "paper": ("Copy paper", [("Paper box A4", "20", "28.50")], 61, 2),
    "binders": (
        "Binders and desk organisers",
        [("Lever arch binder", "15", "9.90"), ("Desk organiser", "10", "19.00")],
        52,
        4,
    ),
    "drawers": ("Drawer units for the support desk", [("Under-desk drawer unit", "8", "89.00")],
                40, 3),
    "stands": ("Monitor stands", [("Monitor stand", "10", "39.00")], 50, 3),
    "footrests": ("Footrests", [("Ergonomic footrest", "6", "74.00")], 44, 3),
    "chairs": ("Meeting room chairs", [("Chair", "4", "210.00")], 41, 4),
    "lamps": ("Desk lamps", [("Desk lamp", "10", "32.00")], 22, None),  # not delivered yet
    "coatstands": ("Coat stands", [("Coat stand", "10", "49.00")], 20, 2),
    "staplers": ("Staplers", [("Heavy-duty stapler", "20", "24.00")], 18, 2),
    "whiteboards": ("Whiteboards", [("Whiteboard", "3", "119.00")], 14, 2),
}  # fmt: skip

# who asked for each of them (DEMO_REQUESTERS) and for which cost center (US01's)
ORDERED_BY = {
    "toner": ("requester", "CC-100"),
    "paper": ("nina.berg", "CC-200"),
    "binders": ("sam.okafor", "CC-100"),
    "drawers": ("sam.okafor", "CC-100"),
    "stands": ("priya.shah", "CC-100"),
    "footrests": ("lucas.meyer", "CC-200"),
    "chairs": ("nina.berg", "CC-200"),
    "lamps": ("requester", "CC-100"),
    "coatstands": ("lucas.meyer", "CC-200"),
    "staplers": ("nina.berg", "CC-200"),
    "whiteboards": ("priya.shah", "CC-100"),
    "cards": ("nina.berg", "CC-200"),
}

# Received in full and not invoiced yet: the order of the README's example invoice
# (docs/examples/lucerne-touchless.xml quotes PO-US01-000029), from a supplier with no invoice
# history yet, so nothing about its habits holds the invoice for review.
TOUCHLESS_ORDER = (
    "Business cards for the new hires",
    [("Business cards, box of 250", "8", "39.00")],
    7,
    2,
)
WHY = {
    "toner": "The print room's stock runs out this week.",
    "paper": "Paper for the quarter's mailings.",
    "binders": "Filing for the asset register the auditors asked for.",
    "drawers": "The support desk moves to hot desks; each agent needs lockable storage.",
    "stands": "Screens at eye level, as the workplace assessment recommended.",
    "footrests": "Requested by the occupational health check.",
    "chairs": "The meeting room's chairs are worn out.",
    "lamps": "The open office's desks by the inner wall are too dark.",
    "coatstands": "The visitors' area has nowhere to hang coats.",
    "staplers": "The team's staplers cannot handle the contract bundles.",
    "whiteboards": "Planning boards for the three project rooms.",
    "cards": "Cards for the eight people who start next month.",
}


# The story insights tells (docs/insights.md): Adventure Works invoices above the order price
# most weeks, a few of them within 5 % (so a 5 % tolerance for IT hardware would have raised
# half as many), while Contoso's match touchlessly; the touchless rate of the last 30 days lands
# near the market average. (key, supplier, days ago ordered, unit price ordered, invoiced)
STORY: list[tuple[str, str, int, str, str]] = [
    ("story1", "Adventure Works Hardware", 58, "120.00", "124.20"),
    ("story2", "Contoso Office Supply", 51, "18.00", "18.00"),
    ("story3", "Adventure Works Hardware", 44, "95.00", "99.75"),
    ("story4", "Adventure Works Hardware", 29, "140.00", "145.60"),
    ("story5", "Contoso Office Supply", 27, "22.00", "22.00"),
    ("story6", "Adventure Works Hardware", 24, "80.00", "85.60"),
    ("story7", "Contoso Office Supply", 20, "15.00", "15.00"),
    ("story8", "Adventure Works Hardware", 17, "60.00", "62.10"),
    ("story9", "Contoso Office Supply", 13, "30.00", "30.00"),
    ("story10", "Adventure Works Hardware", 9, "110.00", "119.90"),
]

STORY_ORDER = {
    "Adventure Works Hardware": lambda price, ago: (
        "Laptop repair parts",
        [("Spare part kit", "5", price)],
        ago,
        1,
    ),
    "Contoso Office Supply": lambda price, ago: (
        "Stationery restock",
        [("Stationery bundle", "5", price)],
        ago,
        1,
    ),
}
STORY_WHY = {
    "Adventure Works Hardware": "Parts for the laptop repair bench; cheaper than replacing.",
    "Contoso Office Supply": "The stationery cupboard's monthly restock.",
}

# How AP decided the older Adventure Works variances (days after the invoice, hour, who,
# resolution, comment): the history exception advice reads, so that the AP clerk who opens
# one of the two left open reads a suggestion and the cases behind it (docs/ai/).
STORY_DECIDED: dict[str, tuple[int, int, str, str, str]] = {
    "story1": (1, 11, "ap", "accept_variance", "Adventure Works' new price list, confirmed."),
    "story3": (2, 15, "ap", "accept_variance", "Within what Adventure Works announced."),
    # AP clerks decide them: the AP manager releases the run that pays them (README), and
    # segregation of duties bars a releaser who decided an invoice in the run
    "story4": (1, 10, "ap", "accept_variance", "Accepted: price list of this quarter."),
    "story6": (
        1,
        14,
        "ap",
        "request_credit_note",
        "7 % above the order is more than the announced increase; please credit the difference.",
    ),
}
