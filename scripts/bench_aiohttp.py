#!/usr/bin/python3
"""The asyncio + aiohttp peer for scripts/bench.

usage: bench_aiohttp.py N LIST

Fetches every URL of LIST (one a line) with at most N requests in flight: one ClientSession
with a TCPConnector(limit=N), an asyncio.Semaphore(N), each body read in full and dropped.
Prints the number of responses with status 200 on stdout; exits 0 when every URL got one.

The producer takes a semaphore slot before it creates each task, so a list of a million URLs
holds at most N tasks at a time instead of a million pending coroutines.
"""

import asyncio
import sys

import aiohttp


async def fetch(session, sem, url, counts):
    try:
        async with session.get(url) as resp:
            while await resp.content.read(65536):
                pass
            if resp.status == 200:
                counts[0] += 1
            else:
                counts[1] += 1
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        counts[1] += 1
    finally:
        sem.release()


async def main(n, path):
    counts = [0, 0]  # ok, failed
    sem = asyncio.Semaphore(n)
    tasks = set()
    connector = aiohttp.TCPConnector(limit=n, limit_per_host=0, ttl_dns_cache=None)
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        with open(path, encoding="utf-8") as f:
            for line in f:
                url = line.strip()
                if not url or url.startswith("#"):
                    continue
                await sem.acquire()
                task = asyncio.create_task(fetch(session, sem, url, counts))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        while tasks:
            await asyncio.gather(*list(tasks))
    return counts


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: bench_aiohttp.py N LIST")
    ok, failed = asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
    print(ok)
    sys.exit(0 if failed == 0 else 1)
