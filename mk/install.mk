# mk/install.mk — `make install` and `make uninstall`; included by the Makefile, which
# defines BIN (the built binary).
#
#   make install   [DESTDIR=/tmp/stage] [PREFIX=/usr/local] [SYSCONFDIR=/etc]
#                  [BINDIR=PREFIX/bin] [MANDIR=PREFIX/share/man] [DOCDIR=...] [UNITDIR=...]
#   make uninstall (the same variables)
#
# install puts in place: the binary; the example configuration as
# SYSCONFDIR/feedwatchd/feedwatchd.conf, unless that file exists already (an operator's
# configuration is never overwritten; the new example always goes to DOCDIR, to compare
# against after an upgrade); the systemd units, with ExecStart= and FEEDWATCHD_CONFIG=
# pointing at the installed binary and SYSCONFDIR; the man pages.
# uninstall removes all of that except the configuration file (and never touches the
# state in /var/lib/feedwatchd). Neither starts, stops or reloads anything: after
# installing units on a running system, `systemctl daemon-reload`.

PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/feedwatchd
ifeq ($(origin UNITDIR),undefined)
UNITDIR    := $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
endif
INSTALL    ?= install

FW_CONF    := $(DESTDIR)$(SYSCONFDIR)/feedwatchd/feedwatchd.conf
FW_UNITS   := feedwatchd.service feedwatchd@.service
# The units name the binary and the configuration as installed by default.
FW_UNIT_SED := -e 's|/usr/local/bin/feedwatchd|$(BINDIR)/feedwatchd|g' \
               -e 's|/etc/feedwatchd/|$(SYSCONFDIR)/feedwatchd/|g'

.PHONY: install uninstall

install: $(BIN)
	$(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/feedwatchd \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/feedwatchd
	@if [ -e '$(FW_CONF)' ]; then \
		echo "install: keeping the existing $(FW_CONF); the new example is $(DESTDIR)$(DOCDIR)/feedwatchd.conf"; \
	else \
		echo "$(INSTALL) -m 0644 conf/feedwatchd.conf $(FW_CONF)"; \
		$(INSTALL) -m 0644 conf/feedwatchd.conf '$(FW_CONF)'; \
	fi
	$(INSTALL) -m 0644 conf/feedwatchd.conf $(DESTDIR)$(DOCDIR)/feedwatchd.conf
	@set -e; for u in $(FW_UNITS); do \
		echo "sed ... systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u"; \
		sed $(FW_UNIT_SED) "systemd/$$u" >"$(DESTDIR)$(UNITDIR)/$$u.tmp"; \
		chmod 0644 "$(DESTDIR)$(UNITDIR)/$$u.tmp"; \
		mv -f "$(DESTDIR)$(UNITDIR)/$$u.tmp" "$(DESTDIR)$(UNITDIR)/$$u"; \
	done
	$(INSTALL) -m 0644 man/feedwatchd.8 $(DESTDIR)$(MANDIR)/man8/feedwatchd.8
	$(INSTALL) -m 0644 man/feedwatchd.conf.5 $(DESTDIR)$(MANDIR)/man5/feedwatchd.conf.5
	@if [ -z '$(DESTDIR)' ] && [ -d /run/systemd/system ]; then \
		echo "install: new units; run: systemctl daemon-reload"; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/feedwatchd
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(FW_UNITS))
	rm -f $(DESTDIR)$(MANDIR)/man8/feedwatchd.8 $(DESTDIR)$(MANDIR)/man5/feedwatchd.conf.5
	rm -f $(DESTDIR)$(DOCDIR)/feedwatchd.conf
	@rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@if [ -e '$(FW_CONF)' ]; then \
		echo "uninstall: kept the configuration $(FW_CONF) (and any state in /var/lib/feedwatchd)"; \
	fi
