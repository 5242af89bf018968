"""Static reference lists the data generator draws from.

Kept apart from the simulation so the generator reads as a process, not as a
wall of names. Nothing here is random; weights are relative frequencies.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
    "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
    "Thomas", "Sarah", "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy",
    "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret", "Donald", "Ashley",
    "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle",
    "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah",
    "Timothy", "Stephanie", "Ronald", "Rebecca", "Jason", "Sharon", "Edward", "Laura",
    "Jeffrey", "Cynthia", "Ryan", "Dorothy", "Jacob", "Amy", "Gary", "Kathleen",
    "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Emma", "Stephen", "Brenda",
    "Larry", "Pamela", "Justin", "Nicole", "Scott", "Anna", "Brandon", "Samantha",
    "Lukas", "Sophie", "Felix", "Hannah", "Jonas", "Lea", "Paul", "Mia", "Louis",
    "Chloe", "Hugo", "Camille", "Lucas", "Manon", "Oliver", "Amelia", "Harry",
    "Isla", "Noah", "Ava", "Mateo", "Lucia", "Daan", "Julia", "Sem", "Tess",
)

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson",
    "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
    "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
    "Carter", "Roberts", "Mueller", "Schmidt", "Schneider", "Fischer", "Weber",
    "Meyer", "Wagner", "Becker", "Dubois", "Durand", "Leroy", "Moreau", "Laurent",
    "Bernard", "Evans", "Hughes", "Edwards", "Wood", "Murphy", "De Jong", "Jansen",
    "De Vries", "Bakker", "Visser", "Rossi", "Russo", "Ferrari", "Esposito",
)

EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("gmail.com", 0.38),
    ("yahoo.com", 0.12),
    ("outlook.com", 0.11),
    ("hotmail.com", 0.08),
    ("icloud.com", 0.10),
    ("proton.me", 0.03),
    ("gmx.de", 0.04),
    ("orange.fr", 0.03),
    ("btinternet.com", 0.03),
    ("aol.com", 0.02),
    ("acme-corp.com", 0.03),
    ("globex.io", 0.03),
)

# Test accounts use these domains; the staging rule and the generator share
# the list through the dbt var `test_email_domains` (see dbt_project.yml).
TEST_EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "test.com", "mailinator.com")

# (city, region, country, reporting currency of the shop front, weight)
LOCATIONS: tuple[tuple[str, str, str, str, float], ...] = (
    ("New York", "NY", "US", "USD", 0.10),
    ("Los Angeles", "CA", "US", "USD", 0.07),
    ("Chicago", "IL", "US", "USD", 0.05),
    ("Houston", "TX", "US", "USD", 0.04),
    ("Phoenix", "AZ", "US", "USD", 0.03),
    ("Philadelphia", "PA", "US", "USD", 0.03),
    ("San Francisco", "CA", "US", "USD", 0.03),
    ("Seattle", "WA", "US", "USD", 0.03),
    ("Boston", "MA", "US", "USD", 0.03),
    ("Denver", "CO", "US", "USD", 0.02),
    ("Miami", "FL", "US", "USD", 0.03),
    ("Atlanta", "GA", "US", "USD", 0.02),
    ("Austin", "TX", "US", "USD", 0.02),
    ("Toronto", "ON", "CA", "CAD", 0.04),
    ("Vancouver", "BC", "CA", "CAD", 0.02),
    ("Montreal", "QC", "CA", "CAD", 0.02),
    ("London", "England", "GB", "GBP", 0.07),
    ("Manchester", "England", "GB", "GBP", 0.02),
    ("Edinburgh", "Scotland", "GB", "GBP", 0.01),
    ("Berlin", "Berlin", "DE", "EUR", 0.04),
    ("Munich", "Bavaria", "DE", "EUR", 0.03),
    ("Hamburg", "Hamburg", "DE", "EUR", 0.02),
    ("Paris", "Ile-de-France", "FR", "EUR", 0.04),
    ("Lyon", "Auvergne-Rhone-Alpes", "FR", "EUR", 0.02),
    ("Amsterdam", "North Holland", "NL", "EUR", 0.03),
    ("Rotterdam", "South Holland", "NL", "EUR", 0.01),
    ("Madrid", "Madrid", "ES", "EUR", 0.02),
    ("Barcelona", "Catalonia", "ES", "EUR", 0.02),
    ("Milan", "Lombardy", "IT", "EUR", 0.02),
    ("Rome", "Lazio", "IT", "EUR", 0.02),
    ("Dublin", "Leinster", "IE", "EUR", 0.01),
    ("Vienna", "Vienna", "AT", "EUR", 0.01),
)

# Units of reporting currency (USD) per unit of the order currency. The same
# numbers are in seeds/fx_rates.csv; tests check the two agree.
FX_TO_USD: dict[str, float] = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "CAD": 0.73}

# category -> (share of catalog, median price in USD, price dispersion, nouns)
PRODUCT_CATEGORIES: dict[str, tuple[float, float, float, tuple[str, ...]]] = {
    "apparel": (0.20, 45.0, 0.45, ("T-Shirt", "Hoodie", "Jacket", "Jeans", "Dress", "Sweater")),
    "footwear": (0.10, 90.0, 0.35, ("Sneaker", "Boot", "Sandal", "Loafer", "Runner")),
    "accessories": (0.12, 30.0, 0.55, ("Cap", "Scarf", "Belt", "Wallet", "Sunglasses")),
    "beauty": (0.14, 25.0, 0.50, ("Serum", "Cleanser", "Lip Balm", "Moisturizer", "Perfume")),
    "home": (0.14, 55.0, 0.60, ("Candle", "Throw", "Vase", "Mug Set", "Cushion", "Lamp")),
    "kitchen": (0.10, 40.0, 0.55, ("Knife", "Pan", "Kettle", "Grinder", "Board")),
    "outdoor": (0.10, 110.0, 0.50, ("Tent", "Backpack", "Bottle", "Headlamp", "Sleeping Bag")),
    "electronics": (0.10, 150.0, 0.70, ("Earbuds", "Speaker", "Charger", "Smartwatch", "Keyboard")),
}

PRODUCT_ADJECTIVES: tuple[str, ...] = (
    "Classic", "Essential", "Everyday", "Premium", "Urban", "Alpine", "Coastal",
    "Nordic", "Vintage", "Modern", "Organic", "Studio", "Heritage", "Lite", "Pro",
)

DEVICE_TYPES: tuple[tuple[str, float], ...] = (("mobile", 0.58), ("desktop", 0.35), ("tablet", 0.07))

SEARCH_TERMS: tuple[str, ...] = (
    "gift", "sale", "black friday", "running shoes", "hoodie", "candle", "serum",
    "backpack", "earbuds", "jacket", "summer dress", "coffee", "boots", "lamp",
)

UNPARSEABLE_TIMESTAMPS: tuple[str, ...] = (
    "31/12/2025 10:00", "N/A", "2025-13-45T99:00:00Z", "yesterday", "0000-00-00 00:00:00",
)
