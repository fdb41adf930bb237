"""Generated gallery content: profiles of edge cases (catalog), real encoders (make), an independent
reader (probe), a host-side cache, and seeding onto phones (gallery). Not for verifying restores.
"""

from .cache import Cache
from .catalog import MediaSpec, Profile, ReferencePolicy, builtin_profiles, load_profile
from .generate import Progress, generate
from .probe import Probe, probe

__all__ = ["Cache", "MediaSpec", "Probe", "Profile", "Progress", "ReferencePolicy", "builtin_profiles",
           "generate", "load_profile", "probe"]
