from .access import user_roles


def navigation(request):
    """What the navigation shows: the signed-in user's roles (one cached query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": None}
    return {"nav_roles": user_roles(user)}
