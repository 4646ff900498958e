#!/usr/bin/python3
"""gen_seeds.py — writes the seed corpus for fuzz_feed into a directory.

Usage: gen_seeds.py OUTDIR [FEED_DIR...]

Every seed starts with the two seed bytes fuzz_feed reads (chunk mode, options, parameter:
see the top of fuzz_feed.c), followed by the document. Each file found under FEED_DIR
(tests/feeds/) becomes three seeds with different chunking; the hostile documents of
RELIABILITY.md XML-01..XML-14 are generated here, so nothing big is stored in git. Stdlib only.
"""
import hashlib
import os
import sys


def seed(mode, opt=0, param=0, stop=False):
    """The two leading bytes: bits 0-1 mode, 2-3 options, 4-15 parameter (bit 15 = stop run)."""
    v = (mode & 3) | (opt & 3) << 2 | (param & 0xfff) << 4
    if stop:
        v |= 0x8000
    return bytes([v >> 8, v & 0xff])


RSS_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
            b' xmlns:dc="http://purl.org/dc/elements/1.1/"'
            b' xmlns:atom="http://www.w3.org/2005/Atom"'
            b' xmlns:media="http://search.yahoo.com/mrss/">\n<channel>\n'
            b'<title>Seed &amp; feed</title><link>http://example.com/</link><ttl>30</ttl>\n')
RSS_TAIL = b'</channel>\n</rss>\n'


def rss(items, head=RSS_HEAD):
    return head + b''.join(items) + RSS_TAIL


def item(title=b'Title', link=b'/a', guid=b'g1', extra=b''):
    return (b'<item><title>' + title + b'</title><link>' + link + b'</link><guid>' + guid +
            b'</guid><pubDate>Sun, 29 Jan 2023 12:00:00 GMT</pubDate>' + extra + b'</item>\n')


def generated():
    """Yields (name, document bytes) for every synthetic seed."""
    # Well-formed samples of each format, so coverage starts high even on an empty fixture dir.
    yield 'rss20-full', rss([
        item(b'NATO chief visits Seoul', b'https://example.com/nato', b'nato-1',
             b'<description>Plain &lt;b&gt;escaped&lt;/b&gt; HTML</description>'
             b'<content:encoded><![CDATA[<p>Body <a href="/rel">link</a> &amp; more</p>]]>'
             b'</content:encoded><dc:creator>Jane Doe</dc:creator><author>x@example.com (X)'
             b'</author><category>Korea</category><category domain="d">DPRK</category>'
             b'<enclosure url="/audio.mp3" type="audio/mpeg" length="12345"/>'
             b'<media:content url="http://example.com/v.mp4" type="video/mp4"/>'
             b'<atom:link rel="alternate" href="/alt"/>'),
        item(b'Second', b'https://example.com/2', b'', b'<dc:date>2023-01-29T12:00:00+09:00</dc:date>'),
        item(b'Third &#233;t&#xE9;', b'', b'dup'),
        item(b'Fourth', b'', b'dup'),
        b'<item><description>no title no link</description></item>\n',
    ])
    yield 'rss091', (b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<rss version="0.91"><channel>'
                     b'<title>Old \xe9t\xe9</title><link>http://example.com/</link>'
                     b'<item><title>Caf\xe9</title><link>http://example.com/1</link>'
                     b'<description>d</description></item></channel></rss>')
    yield 'rss090-rdf', (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
                         b' xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>t</title>'
                         b'<link>http://example.com/</link></channel><item><title>i</title>'
                         b'<link>http://example.com/i</link></item></rdf:RDF>')
    yield 'rss10', (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
                    b' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
                    b' xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                    b'<channel rdf:about="http://example.com/"><title>t</title><link>http://example.com/</link>'
                    b'</channel><item rdf:about="http://example.com/1"><title>One</title>'
                    b'<link>http://example.com/1</link><dc:date>2023-01-29</dc:date>'
                    b'<dc:subject>S</dc:subject><dc:creator>C</dc:creator>'
                    b'<content:encoded>&lt;p&gt;x&lt;/p&gt;</content:encoded></item></rdf:RDF>')
    yield 'atom10', (b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"'
                     b' xml:base="http://example.com/base/"><title type="html">A &amp;lt;b&amp;gt;</title>'
                     b'<link href="/"/><link rel="self" href="feed.xml"/><id>urn:x</id>'
                     b'<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">X<b>H</b></div></title>'
                     b'<link rel="alternate" href="e1"/><link rel="enclosure" href="a.mp3" length="9" type="audio/mpeg"/>'
                     b'<id>urn:e1</id><updated>2023-01-29T12:00:00.123Z</updated><published>2023-01-29T12:00Z</published>'
                     b'<author><name>A</name></author><category term="t1" label="L"/>'
                     b'<summary type="html">&lt;p&gt;sum&lt;/p&gt;</summary>'
                     b'<content type="xhtml" xml:base="sub/"><div xmlns="http://www.w3.org/1999/xhtml"><a href="x">x</a></div></content>'
                     b'</entry><entry><title>2</title><id>urn:e1</id><content type="text">t &lt; u</content></entry></feed>')
    yield 'atom03', (b'<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#">'
                     b'<title>t</title><link rel="alternate" type="text/html" href="http://example.com/"/>'
                     b'<entry><title>e</title><link rel="alternate" href="http://example.com/e"/>'
                     b'<id>tag:e</id><issued>2003-12-13T08:29:29-04:00</issued><modified>2003-12-13T18:30:02Z</modified>'
                     b'<content type="text/html" mode="escaped">&lt;p&gt;c&lt;/p&gt;</content></entry></feed>')
    yield 'jsonfeed', (b'{"version":"https://jsonfeed.org/version/1.1","title":"J","home_page_url":"https://example.com/",'
                       b'"items":[{"id":"1","url":"/1","title":"One","content_html":"<p>x</p>",'
                       b'"date_published":"2023-01-29T12:00:00Z","authors":[{"name":"A"}],"tags":["t"],'
                       b'"attachments":[{"url":"a.mp3","mime_type":"audio/mpeg","size_in_bytes":5}]},'
                       b'{"id":2,"content_text":"t"},{"url":"https://example.com/3"}]}')
    yield 'jsonfeed-deep', b'{"version":"https://jsonfeed.org/version/1","items":' + b'[' * 5000 + b']' * 5000 + b'}'
    yield 'dates', rss([item(b'd%d' % i, b'/d%d' % i, b'd%d' % i, b'<pubDate>' + d + b'</pubDate>')
                        for i, d in enumerate([b'Mon, 30 Jan 23 12:00:00 EST', b'30 Jan 2023 12:00 +0900',
                                               b'2023-01-30', b'2023-01-30T12:00:00.5-05:30', b'Tue, 31 Feb 2023 99:99:99 GMT',
                                               b'Sun, 29 Jan 2023 12:00:00 GMT+2', b'yesterday', b'', b'1675000000',
                                               b'Sun, 29 Jan 99999999999 12:00:00 GMT'])])
    # XML-01..03: entity expansion.
    laughs = b'<!ENTITY l0 "lol">' + b''.join(
        b'<!ENTITY l%d "%s">' % (i, b''.join(b'&l%d;' % (i - 1) for _ in range(10))) for i in range(1, 10))
    yield 'xml01-billion-laughs', (b'<?xml version="1.0"?><!DOCTYPE rss [' + laughs + b']>' +
                                   rss([item(b'&l9;')], b'<rss version="2.0"><channel><title>x</title>'))
    big = b'A' * 10000
    yield 'xml02-quadratic', (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + big + b'">]>' +
                              rss([item(b'&a;' * 200)], b'<rss version="2.0"><channel>'))
    yield 'xml03-quadratic-attr', (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + big + b'">]>' +
                                   rss([item(extra=b'<enclosure url="&a;' + b'&a;' * 100 + b'" type="x"/>')],
                                       b'<rss version="2.0"><channel>'))
    # XML-04..07: nothing external is ever loaded.
    yield 'xml04-xxe-file', (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                             + rss([item(b'&x;')], b'<rss version="2.0"><channel>'))
    yield 'xml05-xxe-param', (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]>'
                              + rss([item(b'x')], b'<rss version="2.0"><channel>'))
    yield 'xml06-external-dtd', (b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://127.0.0.1:1/x.dtd">'
                                 + rss([item(b'&nbsp;x')], b'<rss version="2.0"><channel>'))
    yield 'xml07-xinclude', rss([item(extra=b'<description><xi:include xmlns:xi="http://www.w3.org/2001/XInclude"'
                                              b' href="file:///etc/passwd" parse="text"/></description>')])
    # XML-08: depth.
    yield 'xml08-deep-300', rss([item(extra=b'<x>' * 300 + b'</x>' * 300)])
    yield 'xml08-deep-10000', rss([item(extra=b'<x>' * 10000)])
    # XML-09: one big text node (kept small here; the parser's cap is exercised via max_text).
    yield 'xml09-big-text', rss([item(extra=b'<description>' + b'word ' * 6000 + b'</description>')])
    # XML-10: long names.
    yield 'xml10-long-name', rss([item(extra=b'<' + b'n' * 60000 + b'/>')])
    yield 'xml10-long-attr', rss([item(extra=b'<enclosure ' + b'a' * 20000 + b'="1" url="/u"/>')])
    # XML-11..14: encodings and bad bytes.
    yield 'xml11-bad-utf8', rss([item(b'bad \xff\xfe \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 end')])
    doc16 = rss([item('Ünïcödé ☃ 𝄞'.encode())]).replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode()
    yield 'xml12-utf16le-bom', b'\xff\xfe' + doc16.encode('utf-16-le')
    yield 'xml12-utf16be-bom', b'\xfe\xff' + doc16.encode('utf-16-be')
    yield 'xml12-utf16-nobom', doc16.encode('utf-16-le')
    yield 'xml12-utf8-bom', b'\xef\xbb\xbf' + rss([item(b'bom')])
    yield 'xml12-latin1', rss([item(b'caf\xe9 na\xefve')]).replace(b'UTF-8', b'ISO-8859-1')
    yield 'xml12-win1252', rss([item(b'\x93quoted\x94 \x80')]).replace(b'UTF-8', b'windows-1252')
    yield 'xml13-unknown-encoding', rss([item()]).replace(b'UTF-8', b'x-no-such')
    yield 'xml14-nul', rss([item(b'before'), item(b'nul\x00byte', guid=b'g2'), item(b'after', guid=b'g3')])
    yield 'xml14-charref-1', rss([item(b'before'), item(b'ctl &#x1; &#0; &#xD800; &#x110000;', guid=b'g2')])
    # XML-15-ish text and recovery cases.
    yield 'xml15-controls', rss([item(b'CR\rLF\n<13>"q" \\ ] \xf0\x9f\x98\x80 &#x1F600;')])
    yield 'recover-amp', rss([item(b'a & b', b'http://example.com/?a=1&b=2')])
    yield 'recover-missing-close', rss([b'<item><title>open<link>/x</link></item>\n', item(guid=b'g9')])
    yield 'recover-truncated', rss([item(), item(guid=b'g2')])[:-40]
    yield 'recover-mismatched', rss([item(extra=b'<b><i></b></i>')])
    yield 'not-a-feed-html', b'<!DOCTYPE html><html><head><title>t</title></head><body><p>x</body></html>'
    yield 'empty', b''
    yield 'blank', b'  \n\t'
    yield 'guids-repeat', rss([item(b't', b'/same', b'same') for _ in range(5)] +
                              [item(b'', b'', b'') for _ in range(3)] +
                              [b'<item><title>x</title></item>' for _ in range(3)])
    yield 'relative-links', rss([item(link=b'../up'), item(link=b'//proto-rel', guid=b'2'),
                                 item(link=b'javascript:alert(1)', guid=b'3'), item(link=b'  \n', guid=b'4'),
                                 item(link=b'data:text/html,x', guid=b'5'),
                                 item(link=b'http://[::1]:99999/%zz', guid=b'6')])
    yield 'cdata-split', rss([item(extra=b'<content:encoded><![CDATA[a]]]]><![CDATA[>b<![CDATA[c]]></content:encoded>')])
    yield 'pi-comment', rss([item(b'x<!-- c -->y<?pi z?>w')])


def main():
    if len(sys.argv) < 2:
        sys.exit('usage: gen_seeds.py OUTDIR [FEED_DIR...]')
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0

    def write(name, data):
        nonlocal n
        h = hashlib.sha1(data).hexdigest()[:12]
        with open(os.path.join(out, 'seed-%s-%s' % (name, h)), 'wb') as f:
            f.write(data)
        n += 1

    variants = [seed(1, 0, 0x123), seed(3, 1, 0x456, stop=True), seed(0, 0, 0x0ff)]
    for name, doc in generated():
        for k, s in enumerate(variants):
            write('%s.%d' % (name, k), s + doc)
    for d in sys.argv[2:]:
        for root, _, files in os.walk(d):
            for fn in sorted(files):
                if fn.endswith(('.md', '.txt', '.sh', '.py', '.args', '.err', '.out')) or 'expect' in fn:
                    continue	# notes, arguments and expected outputs are not feeds
                with open(os.path.join(root, fn), 'rb') as f:
                    doc = f.read()
                if len(doc) > 1 << 20:
                    continue
                for k, s in enumerate(variants + [seed(2, 3, 0x789)]):
                    write('feed-%s.%d' % (fn, k), s + doc)
    print('gen_seeds: %d seeds in %s' % (n, out))


if __name__ == '__main__':
    main()
