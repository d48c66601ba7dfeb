"""Word counting: a demo file for Glassbox."""
from collections import Counter


def top_words(text, n=10):
    """Return the n most common words of text, lower-cased."""
    words = [w.strip(".,;:!?\"'()").lower() for w in text.split()]
    return Counter(w for w in words if w).most_common(n)


def fibonacci(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
