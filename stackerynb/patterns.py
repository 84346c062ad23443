"""Ready-made designs to start from: each builder returns a valid Stack (or adds to one).

- ``api_with_table``: a REST API, one function per route, a table they share.
- ``queue_filler``: Stackery's rate-limiting pattern. A timer wakes a filler function that
  moves pending work into a queue; a worker drains the queue at a bounded rate (its reserved
  concurrency caps parallelism, the queue absorbs bursts) and keeps a token bucket in a cache
  cluster so calls to a rate-limited downstream API stay under its limit.
- ``spawn_workers``: Stackery's "spawn N workers" pattern. A timer wakes a spawner that invokes
  N worker functions directly (a function -> function wire), each taking a slice of the work;
  the cache cluster records progress so a slice is not done twice.
- ``private_network``: a virtual network with a database, a bastion, and a docker service
  behind a load balancer, plus a function that reads the database.
- ``cdn_site``: a CDN in front of an object store.
"""
from __future__ import annotations

from stackerynb.model import Stack


def _stack(stack: Stack | str) -> Stack:
    return Stack(stack) if isinstance(stack, str) else stack


def api_with_table(stack: Stack | str = "orders", routes: tuple[str, ...] = ("GetOrder", "PutOrder", "ListOrders")) -> Stack:
    """A REST API with one function per route, all using one table; callers sign their
    requests with AWS credentials (``auth: iam``), so the API does not answer anyone."""
    s = _stack(stack)
    s.add("rest_api", "Api", routes={r: "/" + r.lower() for r in routes}, auth="iam", position=(0, 0))
    s.add("table", "Orders", position=(400, 0))
    for i, route in enumerate(routes):
        s.add("function", route, memory=512, position=(200, 150 * i - 150))
        s.connect("Api", route)
        s.connect(route, "Orders", access="read" if route.startswith(("Get", "List")) else "write")
    return s


def queue_filler(stack: Stack | str = "queue-filler", rate_per_minute: int = 60, workers: int = 5) -> Stack:
    """Timer -> filler function -> queue -> worker function (reserved concurrency ``workers``),
    with a cache cluster (token bucket) in a virtual network so the worker stays under
    ``rate_per_minute`` calls to its downstream API."""
    s = _stack(stack)
    s.add("virtual_network", "Network", position=(300, 300))
    s.add("timer", "EveryMinute", schedule="rate(1 minute)", position=(0, 0))
    s.add("table", "Work", position=(0, 200))
    s.add("function", "Filler", memory=256, timeout=60, position=(150, 0),
          environment={"BATCH_PER_MINUTE": str(rate_per_minute)})
    s.add("queue", "Jobs", visibility_timeout=120, dead_letter=True, batch_size=1, position=(300, 0))
    s.add("function", "Worker", memory=512, timeout=60, reserved_concurrency=workers, network="Network",
          environment={"RATE_PER_MINUTE": str(rate_per_minute)}, position=(450, 0))
    s.add("cache_cluster", "TokenBucket", network="Network", position=(450, 200))
    s.connect("EveryMinute", "Filler")
    s.connect("Filler", "Work", access="read")
    s.connect("Filler", "Jobs")
    s.connect("Jobs", "Worker")
    s.connect("Worker", "TokenBucket")
    return s


def spawn_workers(stack: Stack | str = "spawn-workers", workers: int = 4) -> Stack:
    """Timer -> spawner function -> N worker functions, sharing a cache cluster for progress."""
    s = _stack(stack)
    s.add("virtual_network", "Network", position=(300, 400))
    s.add("timer", "Nightly", schedule="cron(0 3 * * ? *)", position=(0, 0))
    s.add("function", "Spawner", memory=256, timeout=60, environment={"WORKERS": str(workers)}, position=(150, 0))
    s.add("cache_cluster", "Progress", network="Network", position=(450, 400))
    s.add("object_store", "Results", position=(600, 0))
    s.connect("Nightly", "Spawner")
    for i in range(workers):
        name = f"Worker{i + 1}"
        s.add("function", name, memory=1024, timeout=900, network="Network", position=(300, 120 * i))
        s.connect("Spawner", name)
        s.connect(name, "Progress")
        s.connect(name, "Results", access="write")
    return s


def private_network(stack: Stack | str = "private-app") -> Stack:
    """A VPC with a database, a bastion, a docker service behind a load balancer, and a function."""
    s = _stack(stack)
    s.add("virtual_network", "Network", position=(300, 250))
    s.add("load_balancer", "Web", network="Network", position=(0, 100))
    s.add("docker_cluster", "Cluster", network="Network", position=(300, 0))
    s.add("docker_service", "App", network="Network", desired_count=2, position=(200, 100))
    s.add("database", "Db", network="Network", position=(400, 200))
    s.add("bastion", "Jump", network="Network", allowed_cidrs=["203.0.113.0/24"], position=(0, 300))
    s.add("function", "Reports", network="Network", position=(400, 350))
    s.connect("Web", "App")
    s.connect("App", "Cluster")
    s.connect("App", "Db")
    s.connect("Jump", "Db")
    s.connect("Reports", "Db")
    return s


def cdn_site(stack: Stack | str = "site") -> Stack:
    """A CDN serving an object store that only the CDN may read."""
    s = _stack(stack)
    s.add("object_store", "Site", position=(250, 0))
    s.add("cdn", "Edge", position=(0, 0))
    s.connect("Edge", "Site")
    return s


PATTERNS = {
    "api_with_table": api_with_table,
    "queue_filler": queue_filler,
    "spawn_workers": spawn_workers,
    "private_network": private_network,
    "cdn_site": cdn_site,
}
