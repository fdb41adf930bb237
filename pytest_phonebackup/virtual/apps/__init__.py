"""Apps that live on the virtual phone. `base` defines what an app is and the registry that maps
package names to implementations; the other modules are the apps themselves.
"""

from . import cloudphotos  # noqa: F401 - registers com.example.cloudphotos
from .base import Intent, View, VirtualApp, implementation_for, register_app
from .launcher import Launcher
from .settings_app import SettingsApp

#: Apps every phone has from the factory (not installable, not removable).
SYSTEM_APPS = {app.package: app for app in (Launcher, SettingsApp)}

__all__ = ["Intent", "View", "VirtualApp", "implementation_for", "register_app", "Launcher", "SettingsApp",
           "SYSTEM_APPS"]
