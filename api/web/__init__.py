"""The pages people use (templates, static files, message catalogues) and the front-end assets the app serves.

`install(app)` adds the page routes, `/static` (this package's own CSS and scripts) and `/assets/<name>`
(files of the pinned npm packages the setup installed into `node_modules`, served in place: nothing from
`node_modules` is copied or committed).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.params import File
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute

WEB = Path(__file__).resolve().parent
NODE_MODULES = WEB.parents[1] / "node_modules"

# The npm packages the pages load, each by the folder of it that is served (package.json pins them).
ASSETS = {
    "htmx": NODE_MODULES / "htmx.org" / "dist",
    "ethers": NODE_MODULES / "ethers" / "dist",
    "multiformats": NODE_MODULES / "multiformats" / "dist" / "src",
    "noble-hashes": NODE_MODULES / "@noble" / "hashes",
    "noble-curves": NODE_MODULES / "@noble" / "curves",
    "swagger-ui": NODE_MODULES / "swagger-ui-dist",
    "redoc": NODE_MODULES / "redoc" / "bundles",
}


def install(app: FastAPI) -> list[BaseRoute]:
    """Adds the pages, the API docs pages and their static files to the app; answers the page routes that take file
    uploads (the portal's evidence), which the door (`api.limits.Door`) gives the upload cap, not the JSON one."""
    from api.routes import docs, pages, pages_authority, pages_registrant, pages_regulator, pages_rights, pages_signin

    app.include_router(pages.router)
    for signed_in in (pages_signin, pages_authority, pages_regulator, pages_registrant, pages_rights):  # behind sign-in
        app.include_router(signed_in.router)
    app.include_router(docs.router)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    for name, folder in ASSETS.items():
        app.mount(f"/assets/{name}", StaticFiles(directory=folder, check_dir=False), name=f"assets-{name}")
    return [
        route
        for route in pages_registrant.router.routes
        if isinstance(route, APIRoute) and any(isinstance(f.field_info, File) for f in route.dependant.body_params)
    ]
