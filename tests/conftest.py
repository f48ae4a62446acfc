import os

from hypothesis import HealthCheck, settings


# The machines are noisy: no test may depend on timing.  CI runs
# derandomised so that a landing never hinges on the examples drawn.
settings.register_profile("default", deadline=None)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("fast", deadline=None, max_examples=10)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)
