def user_display(user) -> str:
    return user.get_full_name() or user.get_username()
