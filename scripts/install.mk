# scripts/install.mk — `make install` and `make uninstall`; included by the main Makefile.
#
#   make install [PREFIX=/usr/local] [DESTDIR=]   # staged installs: DESTDIR=/tmp/stage
#   make uninstall [PREFIX=...] [DESTDIR=...]     # removes exactly the files install wrote
#
# Installs the binary, the man page, the static and the shared library (with its soname and
# development symlinks), its header, a pkg-config file made from scripts/afetch.pc.in, and the
# bash completion. Nothing is rebuilt here: install depends on the
# main Makefile's `all`, a no-op when build/ is up to date. Uses the main Makefile's BUILD.

# Declared first so that `all` stays the default goal wherever this file is included.
all:

PREFIX       ?= /usr/local
DESTDIR      ?=
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
DATAROOTDIR  ?= $(PREFIX)/share
MANDIR       ?= $(DATAROOTDIR)/man
MAN1DIR      ?= $(MANDIR)/man1
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR  ?= $(DATAROOTDIR)/bash-completion/completions
INSTALL      ?= install

INSTALL_BUILD   := $(if $(BUILD),$(BUILD),build)
INSTALL_VERSION := $(shell sed -n 's/^.define AFETCH_VERSION "\(.*\)"/\1/p' lib/afetch.h)
INSTALL_SO      := libafetch.so.$(INSTALL_VERSION)
INSTALL_SONAME  := libafetch.so.$(firstword $(subst ., ,$(INSTALL_VERSION)))

# Every installed file, as DESTDIR-relative paths (uninstall removes exactly these).
INSTALLED_FILES = $(BINDIR)/afetch $(MAN1DIR)/afetch.1 $(LIBDIR)/libafetch.a \
                  $(LIBDIR)/$(INSTALL_SO) $(LIBDIR)/$(INSTALL_SONAME) $(LIBDIR)/libafetch.so \
                  $(INCLUDEDIR)/afetch.h $(PKGCONFIGDIR)/afetch.pc $(BASHCOMPDIR)/afetch

# A directory under PREFIX is written as ${prefix}/..., so that
# `pkg-config --define-variable=prefix=...` relocates the whole file.
pc_dir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

.PHONY: install uninstall
install: all
	$(INSTALL) -D -m 755 $(INSTALL_BUILD)/afetch '$(DESTDIR)$(BINDIR)/afetch'
	$(INSTALL) -D -m 644 docs/afetch.1 '$(DESTDIR)$(MAN1DIR)/afetch.1'
	$(INSTALL) -D -m 644 $(INSTALL_BUILD)/libafetch.a '$(DESTDIR)$(LIBDIR)/libafetch.a'
	$(INSTALL) -D -m 644 $(INSTALL_BUILD)/$(INSTALL_SO) '$(DESTDIR)$(LIBDIR)/$(INSTALL_SO)'
	ln -sf $(INSTALL_SO) '$(DESTDIR)$(LIBDIR)/$(INSTALL_SONAME)'
	ln -sf $(INSTALL_SONAME) '$(DESTDIR)$(LIBDIR)/libafetch.so'
	$(INSTALL) -D -m 644 lib/afetch.h '$(DESTDIR)$(INCLUDEDIR)/afetch.h'
	sed -e 's|@PREFIX@|$(PREFIX)|g' \
	    -e 's|@LIBDIR@|$(call pc_dir,$(LIBDIR))|g' \
	    -e 's|@INCLUDEDIR@|$(call pc_dir,$(INCLUDEDIR))|g' \
	    -e 's|@VERSION@|$(INSTALL_VERSION)|g' scripts/afetch.pc.in | \
	    $(INSTALL) -D -m 644 /dev/stdin '$(DESTDIR)$(PKGCONFIGDIR)/afetch.pc'
	$(INSTALL) -D -m 644 scripts/afetch-completion.bash '$(DESTDIR)$(BASHCOMPDIR)/afetch'

uninstall:
	rm -f $(foreach f,$(INSTALLED_FILES),'$(DESTDIR)$(f)')
