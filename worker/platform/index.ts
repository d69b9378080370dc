// What the app, the job registry and other capabilities may use of the platform. Nothing else is imported from outside.

