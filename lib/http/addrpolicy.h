/* addrpolicy.h — which addresses deny_private refuses: a pure judgement of one address, apart
 * from the socket callback that applies it (lib/http/fetch.c), so that it can be tested on its own.
 *
 * An IPv6 address that carries an IPv4 address a translator or tunnel would deliver to is
 * judged by that IPv4 address: IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96, NAT64
 * 64:ff9b::/96 (RFC 6052), 6to4 2002::/16 (RFC 3056) and Teredo 2001::/32 (RFC 4380; its
 * server and its client, and the address is refused if either is private). The rest of
 * 64:ff9b::/32 is refused whole: it holds the local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215),
 * whose translators embed IPv4 addresses in ways of their own, and unallocated space. */
#ifndef AFETCH_ADDRPOLICY_H
#define AFETCH_ADDRPOLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 address (host byte order) that is not globally routable: this network, private,
 * shared (CGNAT), loopback, link-local, IETF protocol assignments, benchmarking, multicast and
 * reserved ranges. */
bool addrpolicy_private_ipv4(uint32_t address);

/* An IPv6 address (network byte order) that is unspecified, loopback, unique local, link- or
 * site-local or multicast, or that embeds a private IPv4 address as described above. */
bool addrpolicy_private_ipv6(const unsigned char address[16]);

/* Either of the above by family; an address of any other family counts as private. */
bool addrpolicy_private(const struct sockaddr *address);

#endif
