"""The paper's studies, each in its own package: homotopy classes, landscape persistence, transfer."""
