"""The static files storage: WhiteNoise's compressed, hashed-name storage, which also works
before collectstatic has ever run.

Once `python manage.py collectstatic` (the deploy hook runs it) has written
staticfiles/staticfiles.json, static URLs carry the content hash and a missing file is an error,
as usual. Before that (a fresh copy of the app on a host that only runs migrate), the URLs are
the plain names, which WhiteNoise serves from the app's folders (WHITENOISE_USE_FINDERS in
settings.py), instead of every page failing with "Missing staticfiles manifest entry".
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name):
        if not self.hashed_files and not self.manifest_storage.exists(self.manifest_name):
            return name
        return super().stored_name(name)
