from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from sarnakh import __version__


@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
        status = 200
    except Exception as exc:  # report, don't crash: this is what monitors read
        database = {"status": "error", "vendor": connection.vendor, "error": str(exc)[:200]}
        status = 503
    return JsonResponse({"status": "ok" if status == 200 else "error", "version": __version__, "database": database}, status=status)
