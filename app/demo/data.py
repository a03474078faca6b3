"""The demo city: Valencia's neighbourhoods, home-service categories and a few dozen providers."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.identity import Role
from app.catalog.rules import ServiceLocation

DEMO_PASSWORD = "demo-password"  # printed at start-up for the demo accounts, on purpose


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: Role


ADMIN = DemoAccount("admin@example.com", "Marta Ferrer", Role.admin)
PROVIDER = DemoAccount("provider@example.com", "Javier Soler", Role.provider)
RESIDENT = DemoAccount("resident@example.com", "Lucía Navarro", Role.resident)
DEMO_ACCOUNTS = (ADMIN, PROVIDER, RESIDENT)
DEMO_PROVIDER_NAME = "Fontanería Russafa"  # run by provider@example.com

# (name, slug, latitude, longitude): approximate centroids of Valencia's districts.
NEIGHBOURHOODS = (
    ("Ciutat Vella", "ciutat-vella", 39.4745, -0.3768),
    ("L'Eixample", "l-eixample", 39.4625, -0.3707),
    ("Extramurs", "extramurs", 39.4698, -0.3882),
    ("Campanar", "campanar", 39.4833, -0.3967),
    ("La Saïdia", "la-saidia", 39.4855, -0.3720),
    ("El Pla del Real", "el-pla-del-real", 39.4755, -0.3600),
    ("Benimaclet", "benimaclet", 39.4862, -0.3578),
    ("Algirós", "algiros", 39.4735, -0.3480),
    ("Camins al Grau", "camins-al-grau", 39.4640, -0.3500),
    ("Poblats Marítims", "poblats-maritims", 39.4620, -0.3270),
    ("Quatre Carreres", "quatre-carreres", 39.4510, -0.3650),
    ("Patraix", "patraix", 39.4600, -0.3940),
)


@dataclass(frozen=True)
class ServiceTemplate:
    name: str
    duration_minutes: int
    list_price_cents: int
    location: ServiceLocation = ServiceLocation.customer_address
    capacity: int = 1


@dataclass(frozen=True)
class CategoryTemplate:
    name: str
    slug: str
    # Local words residents type ("fontanero", "peluquería"); searched along with the English name.
    local_terms: str
    colour: tuple[int, int, int]
    pitch: str
    providers: tuple[str, ...]
    services: tuple[ServiceTemplate, ...]


_HOME = ServiceLocation.customer_address
_PREMISES = ServiceLocation.provider_premises

CATEGORIES = (
    CategoryTemplate(
        "Cleaning",
        "cleaning",
        "Limpieza del hogar, limpiadora",
        (38, 122, 140),
        "Reliable, insured cleaners who bring their own eco-friendly products.",
        (
            "Limpiezas Turia",
            "Brillo Hogar Valencia",
            "Casa Neta",
            "Limpiezas Benimaclet",
            "EcoLimpio Cabanyal",
        ),
        (
            ServiceTemplate("Regular home cleaning (3 h)", 180, 6000),
            ServiceTemplate("Deep clean", 300, 12000),
            ServiceTemplate("End of tenancy clean", 360, 16000),
            ServiceTemplate("Window cleaning", 120, 4500),
        ),
    ),
    CategoryTemplate(
        "Plumbing",
        "plumbing",
        "Fontanería, fontanero",
        (33, 84, 160),
        "Licensed plumbers for leaks, blockages and water heaters, with a written quote before extra work.",
        (
            DEMO_PROVIDER_NAME,
            "Aigua Fontaners",
            "Fontanería El Carmen",
            "Tuberías Campanar",
            "Fontanería Patraix 24h",
        ),
        (
            ServiceTemplate("Unblock a drain", 60, 8000),
            ServiceTemplate("Fix a leaking tap", 60, 6000),
            ServiceTemplate("Water heater service", 90, 11000),
            ServiceTemplate("Toilet repair", 60, 7000),
        ),
    ),
    CategoryTemplate(
        "Electrician",
        "electrician",
        "Electricista, electricidad",
        (201, 132, 0),
        "Certified electricians for faults, new lights and safety checks.",
        (
            "Electricistas Llum",
            "Voltio Valencia",
            "Instalaciones Saïdia",
            "Electro Algirós",
            "Enchufe Rápido",
        ),
        (
            ServiceTemplate("Electrical fault finding", 60, 7500),
            ServiceTemplate("Install a ceiling light", 60, 6000),
            ServiceTemplate("Replace sockets or switches", 45, 5000),
            ServiceTemplate("Electrical safety check", 90, 9500),
        ),
    ),
    CategoryTemplate(
        "Handyman",
        "handyman",
        "Manitas, reparaciones",
        (120, 86, 60),
        "Friendly handymen for the jobs that pile up: assembly, hanging, fixing.",
        (
            "Manitas Extramurs",
            "Arreglos Pla del Real",
            "El Manitas de Patraix",
            "Reparaciones Grau",
            "Todo Arreglo",
        ),
        (
            ServiceTemplate("Furniture assembly", 120, 6500),
            ServiceTemplate("Hang shelves and pictures", 60, 4500),
            ServiceTemplate("Door and lock repair", 60, 6000),
            ServiceTemplate("Small repairs (2 h)", 120, 7500),
        ),
    ),
    CategoryTemplate(
        "Painting",
        "painting",
        "Pintura, pintor",
        (176, 62, 88),
        "Tidy painters who protect your floors and furniture and clean up after themselves.",
        (
            "Pinturas Albufera",
            "Color Malvarrosa",
            "Pintores Benimaclet",
            "Pinta y Listo",
            "Brocha Fina Valencia",
        ),
        (
            ServiceTemplate("Paint one room", 480, 32000),
            ServiceTemplate("Touch-ups and wall repairs", 180, 12000),
            ServiceTemplate("Paint a front door", 180, 9000),
        ),
    ),
    CategoryTemplate(
        "Gardening",
        "gardening",
        "Jardinería, jardinero",
        (58, 125, 52),
        "Gardeners for patios, terraces and community gardens.",
        (
            "Jardines del Turia",
            "Verde Campanar",
            "Jardinería Orriols",
            "Poda y Jardín Algirós",
            "Huerta en Casa",
        ),
        (
            ServiceTemplate("Garden maintenance (2 h)", 120, 6000),
            ServiceTemplate("Hedge trimming", 120, 7000),
            ServiceTemplate("Balcony and terrace plants", 90, 5000),
        ),
    ),
    CategoryTemplate(
        "Hair & beauty at home",
        "hair-beauty-at-home",
        "Peluquería y estética a domicilio, peluquera",
        (150, 60, 140),
        "Stylists who come to you, or welcome you in the salon.",
        (
            "Peluquería Carmen",
            "Belleza Russafa",
            "Estilo en Casa",
            "Uñas y Más Cabanyal",
            "Barbería Móvil Valencia",
        ),
        (
            ServiceTemplate("Haircut at home", 45, 3000),
            ServiceTemplate("Blow-dry and styling", 45, 2800),
            ServiceTemplate("Manicure", 60, 2500),
            ServiceTemplate("Haircut in the salon", 45, 2200, _PREMISES),
            # A group session: one stylist teaches up to six people at once in the salon.
            ServiceTemplate("Make-up class for small groups", 90, 3500, _PREMISES, capacity=6),
        ),
    ),
    CategoryTemplate(
        "Pest control",
        "pest-control",
        "Control de plagas, fumigación",
        (90, 90, 60),
        "Safe treatments for cockroaches, ants and bed bugs, with a follow-up visit included.",
        (
            "Control de Plagas Levante",
            "Plagas Fuera",
            "Desinsectación Turia",
            "Fumigaciones Saïdia",
            "Sin Bichos",
        ),
        (
            ServiceTemplate("Cockroach treatment", 90, 12000),
            ServiceTemplate("Ant treatment", 60, 9000),
            ServiceTemplate("Bed bug inspection", 60, 8000),
        ),
    ),
)

STREETS = (
    "Carrer de Sueca",
    "Carrer de Cuba",
    "Avinguda del Port",
    "Carrer de Sant Vicent Màrtir",
    "Carrer de Cadis",
    "Carrer dels Tomasos",
    "Avinguda de Blasco Ibáñez",
    "Carrer de la Reina",
    "Carrer de Campoamor",
    "Carrer de Xàtiva",
    "Avinguda de Peris i Valero",
    "Carrer de Jesús",
)
# Providers left unverified, to show that only verified businesses are listed.
# The people of the providers that are more than one person (the others are their owner alone):
# crews of cleaners and painters, a salon's stylists. The first is the owner.
TEAMS = {
    DEMO_PROVIDER_NAME: (PROVIDER.display_name, "Marta Ibáñez"),
    "Limpiezas Turia": ("Rosa Gimeno", "Amparo Vidal", "Nuria Peris"),
    "Brillo Hogar Valencia": ("Inma Cervera", "Teresa Llopis"),
    "Pinturas Albufera": ("Toni Roig", "Quique Sanchis"),
    "Peluquería Carmen": ("Carmen Alcaraz", "Sandra Moll", "Raquel Ferri", "Iván Beltrán"),
    "Fontanería Patraix 24h": ("Jordi Martínez", "Rubén Tormo"),
}
# Team members who do only some of their business's services (the others do everything).
ONLY_SERVICES = {
    "Marta Ibáñez": ("Unblock a drain", "Toilet repair", "Water heater service"),
    "Iván Beltrán": ("Haircut at home", "Haircut in the salon"),
}
# Names for the owners who work alone (the demo provider account has its own).
SOLO_NAMES = (
    "Vicent Puig",
    "Pepa Escrivà",
    "Miguel Sáez",
    "Laura Bosch",
    "Sergio Climent",
    "Elena Mora",
    "Xavier Ribes",
    "Rocío Benlloch",
    "Andrés Aguilar",
    "Silvia Marco",
    "Joan Ortells",
    "Beatriz Gil",
    "Óscar Serra",
    "Maite Fuster",
    "David Campos",
    "Alba Soriano",
    "Raúl Navarro",
    "Clara Sempere",
    "Héctor Pastor",
    "Lorena Esteve",
    "Iñaki Ballester",
    "Sofía Tarazona",
    "Pau Lluch",
    "Irene Monzó",
    "Carlos Beltrán",
    "Marina Segura",
    "Enric Almela",
    "Noelia Cano",
    "Adrián Ferrando",
    "Cristina Ros",
    "Fernando Giner",
    "Patricia Vila",
    "Ximo Perales",
    "Eva Cortés",
    "Álvaro Marí",
)

UNVERIFIED_PROVIDERS = frozenset({"Enchufe Rápido", "Todo Arreglo", "Huerta en Casa", "Sin Bichos"})

# Weekly hours per category: (weekdays, [(opens, closes), ...]) in "HH:MM".
HOURS = {
    "cleaning": [((0, 1, 2, 3, 4), [("08:00", "14:00"), ("15:00", "19:00")]), ((5,), [("09:00", "13:00")])],
    "plumbing": [((0, 1, 2, 3, 4), [("08:00", "20:00")]), ((5,), [("09:00", "14:00")])],
    "electrician": [((0, 1, 2, 3, 4), [("08:30", "13:30"), ("15:30", "19:30")])],
    "handyman": [((0, 1, 2, 3, 4, 5), [("09:00", "18:00")])],
    "painting": [((0, 1, 2, 3, 4), [("08:00", "16:00")])],
    "gardening": [((1, 2, 3, 4, 5), [("08:00", "14:00")])],
    "hair-beauty-at-home": [((1, 2, 3, 4, 5), [("10:00", "14:00"), ("16:00", "20:00")])],
    "pest-control": [((0, 1, 2, 3, 4), [("09:00", "18:00")])],
}
# A plumber that really works every day, late.
ALWAYS_OPEN = {"Fontanería Patraix 24h": [((0, 1, 2, 3, 4, 5, 6), [("07:00", "23:00")])]}

REVIEWER_NAMES = (
    "Lucía Navarro",
    "Pablo Martí",
    "Carmen Ruiz",
    "Vicent Ferrer",
    "Amparo Soler",
    "Jordi Llopis",
    "Elena Vidal",
    "Sergio Moreno",
    "Marta Gil",
    "Andrés Peris",
    "Nuria Climent",
    "David Ortega",
    "Rosa Blasco",
    "Hugo Sanchis",
    "Irene Cano",
    "Toni Ribes",
    "Sofía Alcañiz",
    "Miguel Tormo",
    "Laura Campos",
    "Raúl Esteve",
)
REVIEW_TEXTS = {
    5: (
        "Arrived on time, explained everything and left the place spotless. Paying online saved me money.",
        "Excellent work, friendly and fast. I've already booked them again.",
        "Really professional. The price online was better than what I was quoted by phone.",
        "Muy profesionales y puntuales. Totalmente recomendable.",
        "Showed the code, job done in less time than expected. Great service.",
    ),
    4: (
        "Good job overall, a few minutes late but they let me know in advance.",
        "Solid work at a fair price. Would book again.",
        "Buen trabajo, aunque tuve que recordarles un detalle.",
    ),
    3: (
        "The work was fine but it took longer than the time booked.",
        "Correct, nothing special. Communication could be better.",
    ),
    2: ("They fixed the problem but left a mess behind.",),
    1: ("Didn't solve the problem and I had to call someone else.",),
}
REPLIES = (
    "Thank you for trusting us! See you next time.",
    "Thanks for the review, we're glad it went well.",
    "Sorry about the delay, we've changed how we plan our visits. Thanks for telling us.",
    "¡Gracias por confiar en nosotros!",
)
