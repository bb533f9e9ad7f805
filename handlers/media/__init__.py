"""Media and the site's switches: uploaded images checked by their bytes and re-encoded, and the
maintenance mode. Audio files, announcements, admin and charts come here next.
"""
