/* test_addrpolicy.c — what deny_private refuses: each IPv4 range, the IPv6 ranges of their own,
 * and every way an IPv6 address embeds an IPv4 one, with a private and a public IPv4 inside. */
#include "addrpolicy.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* The judgement of text, an IPv4 or IPv6 address, through the sockaddr entry point. */
static int judged_private(const char *text)
{
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    if (inet_pton(AF_INET, text, &v4.sin_addr) == 1)
        return addrpolicy_private((const struct sockaddr *)(const void *)&v4);
    if (inet_pton(AF_INET6, text, &v6.sin6_addr) == 1)
        return addrpolicy_private((const struct sockaddr *)(const void *)&v6);
    return -1;
}

static void expect(struct tap *t, const char *text, int want_private)
{
    int got = judged_private(text);
    ok(t, got == want_private, "%s is %s (got %s)", text, want_private ? "private" : "public",
       got < 0 ? "unparsable"
       : got   ? "private"
               : "public");
}

static void ipv4_ranges(struct tap *t)
{
    const char *private[] = {"0.0.0.0",         "0.1.2.3",        "10.0.0.1",        "100.64.0.1",
                             "100.127.255.255", "127.0.0.1",      "127.255.255.254", "169.254.1.1",
                             "172.16.0.1",      "172.31.9.9",     "192.0.0.8",       "192.168.1.1",
                             "198.18.0.1",      "198.19.9.9",     "224.0.0.1",       "239.1.1.1",
                             "240.0.0.1",       "255.255.255.255"};
    const char *public[] = {"1.1.1.1",         "8.8.8.8",        "100.63.255.255", "100.128.0.0",
                            "126.255.255.255", "128.0.0.1",      "169.253.1.1",    "172.15.255.255",
                            "172.32.0.0",      "192.0.1.1",      "192.167.1.1",    "198.17.255.255",
                            "198.20.0.0",      "223.255.255.255"};
    for (size_t i = 0; i < sizeof private / sizeof private[0]; i++)
        expect(t, private[i], 1);
    for (size_t i = 0; i < sizeof public / sizeof public[0]; i++)
        expect(t, public[i], 0);
}

static void ipv6_ranges(struct tap *t)
{
    expect(t, "::", 1);
    expect(t, "::1", 1);
    expect(t, "fc00::1", 1);
    expect(t, "fd12:3456::1", 1);
    expect(t, "fe80::1", 1);
    expect(t, "fec0::1", 1);
    expect(t, "ff02::1", 1);
    expect(t, "2606:4700::1111", 0);
    expect(t, "2a00:1450:4001::200e", 0);
    expect(t, "fbff::1", 0);
    expect(t, "fe7f::1", 0);
}

/* Each embedding with loopback, a private range and a public address inside. */
static void embedded_ipv4(struct tap *t)
{
    /* IPv4-mapped ::ffff:0:0/96 and IPv4-compatible ::/96 */
    expect(t, "::ffff:127.0.0.1", 1);
    expect(t, "::ffff:10.1.2.3", 1);
    expect(t, "::ffff:8.8.8.8", 0);
    expect(t, "::127.0.0.1", 1);
    expect(t, "::192.168.0.1", 1);
    expect(t, "::8.8.8.8", 0);
    /* NAT64, the well-known prefix 64:ff9b::/96 */
    expect(t, "64:ff9b::7f00:1", 1);
    expect(t, "64:ff9b::10.0.0.1", 1);
    expect(t, "64:ff9b::169.254.169.254", 1);
    expect(t, "64:ff9b::8.8.8.8", 0);
    expect(t, "64:ff9b::1.1.1.1", 0);
    /* NAT64 local use 64:ff9b:1::/48 and the rest of 64:ff9b::/32: refused whatever inside */
    expect(t, "64:ff9b:1::7f00:1", 1);
    expect(t, "64:ff9b:1::8.8.8.8", 1);
    expect(t, "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", 1);
    expect(t, "64:ff9b:0:0:1::808:808", 1);
    expect(t, "64:ff9a::8.8.8.8", 0);
    /* 6to4 2002::/16: bits 16..47 */
    expect(t, "2002:7f00:1::", 1);
    expect(t, "2002:7f00:0001:1234:5678::1", 1);
    expect(t, "2002:a00:1::1", 1);
    expect(t, "2002:c0a8:101::1", 1);
    expect(t, "2002:a9fe:a9fe::", 1);
    expect(t, "2002:808:808::1", 0);
    expect(t, "2002:101:101:ffff::1", 0);
    /* Teredo 2001::/32: server in bits 32..63, client inverted in the last 32 bits */
    expect(t, "2001:0:808:808:8000:63bf:80ff:fffe", 1);   /* client 127.0.0.1 */
    expect(t, "2001:0:808:808::f5ff:fffe", 1);            /* client 10.0.0.1 */
    expect(t, "2001:0:7f00:1::f7f7:f7f7", 1);             /* server 127.0.0.1 */
    expect(t, "2001:0:c0a8:101::f7f7:f7f7", 1);           /* server 192.168.1.1 */
    expect(t, "2001:0:808:808::f7f7:f7f7", 0);            /* both 8.8.8.8 */
    expect(t, "2001:0:4136:e378:8000:63bf:3fff:fdd2", 0); /* RFC 4380's example */
    expect(t, "2001:1::f5ff:fffe", 0);                    /* outside Teredo: nothing embedded */
}

static void other_families(struct tap *t)
{
    struct sockaddr unix_like = {.sa_family = AF_UNIX};
    ok(t, addrpolicy_private(&unix_like), "an AF_UNIX address counts as private");
    unsigned char raw[16] = {0x20, 0x02, 0x7F, 0x00, 0x00, 0x01};
    ok(t, addrpolicy_private_ipv6(raw), "2002:7f00:1:: through the raw IPv6 entry point");
    ok(t, addrpolicy_private_ipv4(0x7F000001), "127.0.0.1 through the raw IPv4 entry point");
    ok(t, !addrpolicy_private_ipv4(0x08080808), "8.8.8.8 through the raw IPv4 entry point");
}

int main(void)
{
    struct tap t = {0};
    ipv4_ranges(&t);
    ipv6_ranges(&t);
    embedded_ipv4(&t);
    other_families(&t);
    return tap_done(&t);
}
