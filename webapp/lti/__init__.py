"""Proctora as an LTI 1.3 Advantage tool and an LTI Proctoring Services tool, inside a learning platform
(Moodle, Canvas, ...): the platforms an institute registered, the tool's own signing keys, the OIDC login and
the launch with every check the standard demands, the people and resource links a launch brings, deep
linking, and the protocol of the grade, roster and proctoring services. The front door is webapp/lti_door."""
