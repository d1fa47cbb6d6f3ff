from .views import large_text_on


def display(request):
    """The elder-friendly (large text) mode, for the layout's class and toggle."""
    return {"large_text": large_text_on(request)}
