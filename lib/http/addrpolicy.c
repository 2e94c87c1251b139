/* addrpolicy.c — the judgement behind deny_private: is an address one the open internet could
 * not reach, directly or through the IPv4 address it embeds. */
#include "addrpolicy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

bool addrpolicy_private_ipv4(uint32_t address)
{
    static const struct {
        uint32_t net, mask;
    } ranges[] = {
        {0x00000000, 0xFF000000}, {0x0A000000, 0xFF000000}, {0x64400000, 0xFFC00000},
        {0x7F000000, 0xFF000000}, {0xA9FE0000, 0xFFFF0000}, {0xAC100000, 0xFFF00000},
        {0xC0000000, 0xFFFFFF00}, {0xC0A80000, 0xFFFF0000}, {0xC6120000, 0xFFFE0000},
        {0xE0000000, 0xE0000000},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if ((address & ranges[i].mask) == ranges[i].net)
            return true;
    return false;
}

static uint32_t ipv4_at(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The IPv4 address a packet to a (an IPv6 address) would end up at through a translator or a
 * tunnel, when the address says so on its own; Teredo's two are judged by the caller. */
static bool embedded_ipv4(const unsigned char a[16], uint32_t *v4)
{
    static const unsigned char compatible[12];
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const unsigned char nat64[12] = {0x00, 0x64, 0xFF, 0x9B};
    if (memcmp(a, compatible, 12) == 0 || memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0) {
        *v4 = ipv4_at(a + 12);
        return true;
    }
    if (a[0] == 0x20 && a[1] == 0x02) { /* 6to4: the router's address follows the prefix */
        *v4 = ipv4_at(a + 2);
        return true;
    }
    return false;
}

bool addrpolicy_private_ipv6(const unsigned char a[16])
{
    uint32_t v4;
    /* ::/96 covers the unspecified :: and the loopback ::1 too: 0.0.0.0/8 is private */
    if (embedded_ipv4(a, &v4))
        return addrpolicy_private_ipv4(v4);
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xFF && a[3] == 0x9B)
        return true; /* 64:ff9b::/32 outside the well-known /96: local-use or unallocated */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x00 && a[3] == 0x00) /* Teredo */
        return addrpolicy_private_ipv4(ipv4_at(a + 4)) ||
               addrpolicy_private_ipv4(~ipv4_at(a + 12)); /* the client's is inverted */
    return (a[0] & 0xFE) == 0xFC                          /* unique local fc00::/7 */
           || (a[0] == 0xFE && (a[1] & 0x80) == 0x80)     /* link- and site-local fe80::/9 */
           || a[0] == 0xFF;                               /* multicast */
}

bool addrpolicy_private(const struct sockaddr *address)
{
    if (address->sa_family == AF_INET)
        return addrpolicy_private_ipv4(
            ntohl(((const struct sockaddr_in *)(const void *)address)->sin_addr.s_addr));
    if (address->sa_family == AF_INET6)
        return addrpolicy_private_ipv6(
            ((const struct sockaddr_in6 *)(const void *)address)->sin6_addr.s6_addr);
    return true; /* nothing else is fetched */
}
