"""The schedule optimizer as a SchedulingPlugin (enable it as "optimizer" in plugins.enabled).

The rules live in app.services.optimizer, shared with the /api/v1/ai/optimize endpoint and the daemon's
planning jobs; this module only exposes them under the plugin API.
"""

from app.services.optimizer import OptimizerPlugin

plugin = OptimizerPlugin()
