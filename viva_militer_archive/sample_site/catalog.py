"""Invented VIVA Militer articles for the sample site (tests, demo, benchmarks).

Dates are relative to a given day so the news sitemap's "recent" window always has content."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from crawler.dates import WIB
from viva_militer_archive.sample_site.spec import ArticleSpec, BodyImage, ImageSpec

RELATED = (
    "AS Gelontorkan Lagi Bantuan Militer untuk Sekutu di Eropa Timur",
    "Di Tengah Pertempuran, Wakil Menteri Pertahanan Ditangkap Karena Terima Suap",
    "Rusia Makin Gencar Menyerang, AS Janji Kirim Senjata Secepatnya",
    "Kapal Perang Baru TNI AL Tiba di Surabaya",
)
AUTHORS = ("Andi Saputra", "Rina Wulandari", "Dimas Prakoso", "Siti Rahmawati", "Yudha Pratama")
TOPICS = (
    ("TNI AD", "Kopassus", "latihan gabungan", "militer-indonesia"),
    ("TNI AL", "kapal perang", "Laut Natuna", "militer-indonesia"),
    ("TNI AU", "pesawat tempur", "Rafale", "militer-indonesia"),
    ("NATO", "pasukan", "Eropa Timur", "militer-dunia"),
    ("Rusia", "Ukraina", "drone", "militer-dunia"),
    ("China", "Laut China Selatan", "kapal induk", "militer-dunia"),
)
SENTENCES = (
    "{a} kembali menjadi sorotan setelah {b} menggelar kegiatan besar pekan ini.",
    "Menurut keterangan resmi, lebih dari {n} personel dilibatkan dalam kegiatan tersebut.",
    "Para pengamat menilai langkah ini berkaitan erat dengan situasi di {c}.",
    "Kegiatan itu disebut sebagai bagian dari peningkatan kesiapan tempur {a}.",
    "Sejumlah alat utama sistem senjata juga dipamerkan kepada awak media.",
    "Komandan lapangan menegaskan bahwa seluruh rangkaian berjalan sesuai rencana.",
    "Pemerintah menyatakan akan terus memantau perkembangan di {c} secara cermat.",
    "Dalam beberapa bulan terakhir, {b} menjadi perhatian banyak negara di kawasan.",
    "Latihan serupa dijadwalkan kembali digelar pada akhir tahun mendatang.",
    "Pejabat pertahanan menyebut kerja sama ini akan memperkuat stabilitas kawasan.",
)


def _paragraphs(rng: random.Random, topic: tuple[str, ...], count: int) -> list[str]:
    a, b, c, _ = topic
    out = []
    for index in range(count):
        picks = rng.sample(SENTENCES, 3)
        text = " ".join(s.format(a=a, b=b, c=c, n=rng.randrange(200, 5000, 50)) for s in picks)
        out.append(("VIVA – " if index == 0 else "") + text)
    return out


def make_article(
    article_id: int, published_at: datetime, *, seed: int | None = None
) -> ArticleSpec:
    """One invented article, fully determined by its id (and seed)."""
    rng = random.Random(article_id if seed is None else seed)
    topic = TOPICS[article_id % len(TOPICS)]
    title = f"{topic[0]} dan {topic[1].title()}: Sorotan Baru di {topic[2].title()}"
    title = f"{title} ({article_id % 1000})"
    slug = "-".join(title.lower().replace(":", "").replace("(", "").replace(")", "").split())
    paragraphs = _paragraphs(rng, topic, rng.randint(4, 7))
    return ArticleSpec(
        article_id=article_id,
        subchannel=topic[3],
        slug=slug,
        title=title,
        pages=(tuple(paragraphs),),
        published_at=published_at,
        authors=tuple(rng.sample(AUTHORS, rng.choice((1, 1, 2)))),
        tags=(topic[0], topic[1], topic[2]),
        description=f"Berita {title} terbaru hari ini dari sumber yang terpercaya.",
        lead_image=ImageSpec(
            url=f"https://thumb.viva.co.id/media/frontend/thumbs3/{published_at:%Y/%m/%d}/"
            f"{article_id:x}-{slug[:30]}_1265_711.jpg",
            caption=f"Ilustrasi {topic[1]}",
            credit=rng.choice(("rferl.org", "kyivpost.com", "tniad.mil.id", "dispenau.mil.id")),
        ),
        related=RELATED,
        variant=article_id % 3,
    )


def multi_page(spec: ArticleSpec, *, partial_all: bool) -> ArticleSpec:
    """The same article split in two pages; ``partial_all``: ``?page=all`` serves page 1 only."""
    paragraphs = [p for page in spec.pages for p in page]
    half = len(paragraphs) // 2
    return replace(spec, pages=(tuple(paragraphs[:half]), tuple(paragraphs[half:])),
                    partial_all=partial_all)  # fmt: skip


def sample_articles(
    now: datetime, *, first_id: int = 1_920_000, rising_ids: bool = False
) -> list[ArticleSpec]:
    """Twelve articles over the ten days before ``now``, newest first, in the shapes the crawler
    must handle: a multi-page article whose ``?page=all`` is partial, one whose ``?page=all`` is
    whole, and one with a lazy in-body image. Ids count up from ``first_id`` in that order (the
    tests pick shapes by sorted id); ``rising_ids`` makes them rise with publication time as on
    the site (the demo), so that "newest first" and "highest id first" agree."""
    offsets_hours = (2, 5, 9, 20, 30, 44, 70, 75, 100, 130, 180, 230)
    ids = [first_id + n for n in range(len(offsets_hours))]
    if rising_ids:
        ids.reverse()
    specs = [
        make_article(article_id, now - timedelta(hours=hours))
        for article_id, hours in zip(ids, offsets_hours, strict=True)
    ]
    specs[1] = multi_page(specs[1], partial_all=True)
    specs[6] = multi_page(specs[6], partial_all=False)
    photo = ImageSpec(
        "https://thumb.viva.co.id/media/frontend/thumbs3/b.jpg", "Latihan", "tni.mil.id"
    )
    specs[3] = replace(specs[3], images=(BodyImage(1, photo),))
    return specs


def generated_articles(
    count: int, last_day: date, *, per_day: int = 40, first_id: int = 1_500_000
) -> list[ArticleSpec]:
    """``count`` articles, ``per_day`` a day back from ``last_day`` (for benchmarks)."""
    end = datetime.combine(last_day, time(23, 0), WIB)
    return [
        make_article(first_id + n, end - timedelta(days=n // per_day, minutes=17 * (n % per_day)))
        for n in range(count)
    ]
