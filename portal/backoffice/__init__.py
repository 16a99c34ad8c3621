"""The caseworker pages: the back office inside the portal, for municipalities without one."""
