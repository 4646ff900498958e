#!/usr/bin/python3
"""gen_corpus.py — writes the benchmark corpus for bench-parse (nothing of it is stored in git).

Usage: gen_corpus.py OUTDIR [--mb 100] [--big-mb 200]

OUTDIR/corpus/   ~100 MB of feed documents of 100 KB to 2 MB each, mixed formats by bytes:
                 about 50 % RSS 2.0 (escaped HTML description + content:encoded HTML in CDATA),
                 30 % Atom 1.0 (summary and content type="html", escaped), 20 % RSS 1.0 (RDF,
                 escaped description, dc:*). Items are 1-10 KB of news-like text with the odd
                 non-ASCII character (curly quotes, dashes, accents, Hangul), links, categories.
OUTDIR/sample/   ~5 MB: a few corpus files of each format (hard links), for callgrind.
OUTDIR/big-rss20.xml   one ~200 MB RSS 2.0 document (peak-RSS check).
OUTDIR/MANIFEST  "entries bytes path" per document, and a version line.

The output is deterministic (fixed PRNG seed) and is regenerated only when this script or
the sizes change (OUTDIR/MANIFEST records both). Stdlib only.
"""
import hashlib
import os
import random
import shutil
import sys
from html import escape

WORDS = """the a of to and in that for on is was with said by at from as it be his he has have
are were an its which who their not but after this had will they been more than government
officials would also year two new first over could about people into one state other some
last president military minister country week during since told security foreign united
nations north south korea korean pyongyang seoul washington nato alliance sanctions missile
missiles launch launched test tests nuclear weapons program talks summit leaders agreement
secretary general visit visited meeting defense defence forces troops border regional region
china russia japan european union statement report reported according agency news officials
spokesman ministry council resolution economic economy trade exports imports market markets
prices growth inflation bank central interest rates percent billion million dollars company
companies shares investors quarter profit energy oil gas supply supplies shipments ammunition
artillery shells wagner group private mercenary ukraine war invasion kyiv moscow attack attacks
drone drones satellite images analysts experts intelligence evidence claims denied accused
response pressure cooperation partners allies joint exercises drills navy air force army
parliament election vote opposition party policy reform budget spending tax court ruling
judge law legal case investigation police arrested city capital residents local authorities
health hospital hospitals vaccine weather storm flood earthquake rescue workers emergency
technology internet cyber hackers data online platform social media users phone chip chips
industry production factory factories workers union strike wages jobs unemployment housing
students schools university research scientists climate emissions carbon renewable power
grid electricity coal nuclear plant reactor inspectors agency international atomic energy
""".split()
NAMES = ["Jens Stoltenberg", "Yoon Suk Yeol", "Kim Jong Un", "John Kirby", "Antony Blinken",
         "Park Jin", "Lee Jong-sup", "Fumio Kishida", "Ursula von der Leyen", "Olaf Scholz"]
ACCENTS = ["café", "“quoted”", "— an aside —", "‘single’", "naïve", "résumé", "한국", "조선",
           "Zürich", "São Paulo", "…", "€5 billion", "½"]
CATS = ["World", "Asia", "Politics", "North Korea", "Defense", "Economy", "Markets", "Technology",
        "Europe", "Energy", "Diplomacy", "Security", "Science", "Health"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
CHANNEL_NS = ('xmlns:content="http://purl.org/rss/1.0/modules/content/" '
              'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
              'xmlns:media="http://search.yahoo.com/mrss/"')


class Gen:
    """Deterministic news-like text, HTML and feed documents."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        r = self.r
        self.sentences = [self.sentence() for _ in range(6000)]
        self.paras = [' '.join(r.choice(self.sentences) for _ in range(r.randint(2, 6)))
                      for _ in range(4000)]
        self.html_paras = [self.html_para(p) for p in self.paras]
        self.seq = 0

    def sentence(self):
        r = self.r
        words = [r.choice(WORDS) for _ in range(r.randint(8, 28))]
        if r.random() < 0.3:
            words.insert(r.randrange(len(words)), r.choice(NAMES))
        if r.random() < 0.12:
            words.insert(r.randrange(len(words)), r.choice(ACCENTS))
        if r.random() < 0.15:
            words.insert(r.randrange(len(words)), '%d%%' % r.randint(1, 99))
        s = ' '.join(words)
        return s[0].upper() + s[1:] + r.choice(['.', '.', '.', '?', ',” he said.', '.'])

    def html_para(self, text):
        """One paragraph of article HTML: a link or emphasis now and then."""
        r = self.r
        words = text.split(' ')
        if r.random() < 0.35 and len(words) > 6:
            i = r.randrange(len(words) - 3)
            words[i] = '<a href="https://news.example.com/%s/%d">%s' % (
                r.choice(CATS).lower().replace(' ', '-'), r.randint(1, 10 ** 6), words[i])
            words[i + 2] += '</a>'
        if r.random() < 0.25 and len(words) > 4:
            i = r.randrange(len(words) - 1)
            words[i] = '<em>' + words[i] + '</em>'
        return '<p>' + escape(' '.join(words), quote=False).replace('&lt;', '<').replace('&gt;', '>') + '</p>'

    def item_parts(self, target):
        """Title, summary, article HTML (about target bytes) and metadata for one item."""
        r = self.r
        self.seq += 1
        title = r.choice(self.sentences)[:r.randint(40, 110)].rstrip(' ,.')
        body, size = [], 0
        if r.random() < 0.3:
            body.append('<figure><img src="https://img.example.com/%d.jpg" alt="%s" width="800"/>'
                        '<figcaption>%s</figcaption></figure>' % (self.seq, escape(title), escape(title)))
        while size < target:
            p = r.choice(self.html_paras)
            body.append(p)
            size += len(p)
        summary = r.choice(self.paras)[:r.randint(150, 400)]
        t = 1675000000 - self.seq * 97
        return {
            'n': self.seq, 'title': title, 'summary': summary, 'html': '\n'.join(body),
            'author': r.choice(NAMES), 'cats': r.sample(CATS, r.randint(1, 4)), 't': t,
            'link': 'https://news.example.com/%s/%d-%s' % (
                r.choice(CATS).lower().replace(' ', '-'), self.seq,
                '-'.join(title.lower().split()[:5]).replace('“', '').replace('”', '')),
        }

    def item_size(self):
        return int(self.r.uniform(700, 9000))

    @staticmethod
    def rfc822(t):
        import time
        g = time.gmtime(t)
        return '%s, %02d %s %d %02d:%02d:%02d +0000' % (DAYS[g.tm_wday], g.tm_mday, MONTHS[g.tm_mon - 1],
                                                       g.tm_year, g.tm_hour, g.tm_min, g.tm_sec)

    @staticmethod
    def rfc3339(t):
        import time
        return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))

    def rss20_item(self, it):
        x = ['<item>\n<title>%s</title>\n<link>%s</link>\n' % (escape(it['title']), escape(it['link'])),
             '<guid isPermaLink="false">urn:news-example:%d</guid>\n' % it['n'],
             '<pubDate>%s</pubDate>\n<dc:creator>%s</dc:creator>\n' % (self.rfc822(it['t']), it['author'])]
        x += ['<category>%s</category>\n' % escape(c) for c in it['cats']]
        x.append('<description>%s</description>\n' % escape('<p>' + it['summary'] + '</p>', quote=False))
        x.append('<content:encoded><![CDATA[%s]]></content:encoded>\n' % it['html'])
        if it['n'] % 5 == 0:
            x.append('<media:content url="https://img.example.com/%d.jpg" medium="image" width="1200"/>\n' % it['n'])
        if it['n'] % 11 == 0:
            x.append('<enclosure url="https://media.example.com/%d.mp3" type="audio/mpeg" length="%d"/>\n'
                     % (it['n'], 1000000 + it['n']))
        x.append('</item>\n')
        return ''.join(x)

    def rss20_head(self, name):
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" %s>\n<channel>\n'
                '<title>%s</title>\n<link>https://news.example.com/</link>\n'
                '<atom:link href="https://news.example.com/%s.xml" rel="self" type="application/rss+xml"/>\n'
                '<description>Latest news</description>\n<language>en-us</language>\n<ttl>15</ttl>\n'
                % (CHANNEL_NS, name, name))

    def atom_entry(self, it):
        x = ['<entry>\n<title type="html">%s</title>\n' % escape(escape(it['title'])),
             '<link rel="alternate" type="text/html" href="%s"/>\n' % escape(it['link']),
             '<id>tag:news.example.com,2023:%d</id>\n' % it['n'],
             '<published>%s</published>\n<updated>%s</updated>\n' % (self.rfc3339(it['t']), self.rfc3339(it['t'] + 60)),
             '<author><name>%s</name></author>\n' % it['author']]
        x += ['<category term="%s"/>\n' % escape(c) for c in it['cats']]
        x.append('<summary type="html">%s</summary>\n' % escape('<p>' + it['summary'] + '</p>', quote=False))
        x.append('<content type="html">%s</content>\n</entry>\n' % escape(it['html'], quote=False))
        return ''.join(x)

    def atom_head(self, name):
        return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
                '<title>%s</title>\n<link rel="alternate" href="https://news.example.com/"/>\n'
                '<link rel="self" href="https://news.example.com/%s.atom"/>\n<id>tag:news.example.com,2023:%s</id>\n'
                '<updated>2023-01-29T12:00:00Z</updated>\n' % (name, name, name))

    def rss10_item(self, it):
        x = ['<item rdf:about="%s">\n<title>%s</title>\n<link>%s</link>\n' % (
                escape(it['link']), escape(it['title']), escape(it['link'])),
             '<description>%s</description>\n' % escape('<p>' + it['summary'] + '</p>' + it['html'], quote=False),
             '<dc:date>%s</dc:date>\n<dc:creator>%s</dc:creator>\n' % (self.rfc3339(it['t']), it['author'])]
        x += ['<dc:subject>%s</dc:subject>\n' % escape(c) for c in it['cats']]
        x.append('</item>\n')
        return ''.join(x)

    def rss10_head(self, name):
        return ('<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
                ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
                '<channel rdf:about="https://news.example.com/%s.rdf">\n<title>%s</title>\n'
                '<link>https://news.example.com/</link>\n<description>Latest news</description>\n'
                '</channel>\n' % (name, name))

    def document(self, fmt, target, out):
        """Writes one document of about target bytes to the open binary file out; returns
        (entries, bytes)."""
        name = 'news-%s-%d' % (fmt, self.seq)
        head, item, tail = {
            'rss20': (self.rss20_head, self.rss20_item, '</channel>\n</rss>\n'),
            'atom10': (self.atom_head, self.atom_entry, '</feed>\n'),
            'rss10': (self.rss10_head, self.rss10_item, '</rdf:RDF>\n'),
        }[fmt]
        data = head(name).encode()
        out.write(data)
        size, n = len(data), 0
        while size < target:
            data = item(self.item_parts(self.item_size())).encode()
            out.write(data)
            size += len(data)
            n += 1
        data = tail.encode()
        out.write(data)
        return n, size + len(data)


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    outdir = args[0]
    mb = float(args[args.index('--mb') + 1]) if '--mb' in args else 100
    big_mb = float(args[args.index('--big-mb') + 1]) if '--big-mb' in args else 200
    with open(__file__, 'rb') as f:
        version = '%s mb=%g big=%g' % (hashlib.sha1(f.read()).hexdigest()[:12], mb, big_mb)
    manifest = os.path.join(outdir, 'MANIFEST')
    try:
        with open(manifest) as f:
            if f.readline().strip() == 'version ' + version:
                print('gen_corpus: %s is up to date' % outdir)
                return
    except OSError:
        pass
    for sub in ('corpus', 'sample'):
        shutil.rmtree(os.path.join(outdir, sub), ignore_errors=True)
        os.makedirs(os.path.join(outdir, sub))
    g = Gen(20230129)
    rows, total = [], 0
    fmts = ['rss20'] * 5 + ['atom10'] * 3 + ['rss10'] * 2
    i = 0
    while total < mb * 1e6:
        fmt = fmts[i % len(fmts)]
        target = int(min(2e6, max(100e3, g.r.lognormvariate(12.9, 0.8))))
        path = os.path.join(outdir, 'corpus', '%03d-%s.xml' % (i, fmt))
        with open(path, 'wb') as f:
            n, size = g.document(fmt, target, f)
        rows.append((n, size, path, fmt))
        total += size
        i += 1
    # A ~5 MB mixed sample for callgrind: files of every format, smallest first.
    sample, s_total = [], 0
    for fmt in ('rss20', 'atom10', 'rss10'):
        budget = {'rss20': 2.5e6, 'atom10': 1.5e6, 'rss10': 1e6}[fmt]
        got = 0
        for n, size, path, f in sorted((r for r in rows if r[3] == fmt), key=lambda r: r[1]):
            if got >= budget:
                break
            os.link(path, os.path.join(outdir, 'sample', os.path.basename(path)))
            got += size
        s_total += got
    big = os.path.join(outdir, 'big-rss20.xml')
    with open(big, 'wb') as f:
        bn, bsize = g.document('rss20', int(big_mb * 1e6), f)
    with open(manifest, 'w') as f:
        f.write('version %s\n' % version)
        for n, size, path, _ in rows:
            f.write('%d %d %s\n' % (n, size, os.path.relpath(path, outdir)))
        f.write('%d %d %s\n' % (bn, bsize, os.path.relpath(big, outdir)))
    print('gen_corpus: %d documents, %.1f MB, %d entries in %s/corpus; sample %.1f MB; '
          'big-rss20.xml %.1f MB, %d entries' % (len(rows), total / 1e6, sum(r[0] for r in rows),
                                                 outdir, s_total / 1e6, bsize / 1e6, bn))


if __name__ == '__main__':
    main()
